import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { brotliCompress, constants as zlib, gzip } from 'node:zlib';
import type { Redis } from 'ioredis';
import type { Queryable } from '../../db/transaction';
import { readInventoryVersion, seatMapSnapshot, type SeatMapSnapshot } from '../../inventory/seat-map-cache';
import { applyFilter, type SeatMapFilter } from '../../inventory/seat-map-filter';
import type { SeatMapView } from '../openapi/event-schemas';

const gzipAsync = promisify(gzip);
const brotliAsync = promisify(brotliCompress);

export type Encoding = 'br' | 'gzip' | 'identity';

/** One filtered map as bytes, with its ETag and its compressed forms (made once, on first demand). */
export class SeatMapRendition {
  readonly etag: string;
  private readonly encoded = new Map<Exclude<Encoding, 'identity'>, Promise<Buffer>>();

  constructor(
    readonly identity: Buffer,
    /** The change-stream id the map reflects (see SeatMapSnapshot.position). */
    readonly position: string | null,
  ) {
    // Weak: the same map is sent in several encodings. From the bytes, so a version change that left
    // this view as it was still answers 304.
    this.etag = `W/"${createHash('sha1').update(identity).digest('base64url')}"`;
  }

  body(encoding: Encoding): Promise<Buffer> {
    if (encoding === 'identity') return Promise.resolve(this.identity);
    let body = this.encoded.get(encoding);
    if (!body) {
      // Moderate levels: a 2,000-seat map (190 KB) compresses to about a quarter, in a few milliseconds, once per version.
      body =
        encoding === 'br'
          ? brotliAsync(this.identity, { params: { [zlib.BROTLI_PARAM_QUALITY]: 5, [zlib.BROTLI_PARAM_SIZE_HINT]: this.identity.length } })
          : gzipAsync(this.identity, { level: 6 });
      this.encoded.set(encoding, body);
    }
    return body;
  }
}

interface Entry {
  snapshot: SeatMapSnapshot;
  renditions: Map<string, SeatMapRendition>;
}

/** Events kept in this process's cache before expired entries are swept out. */
const SWEEP_ABOVE = 256;

/**
 * The seat map as the route sends it. On top of the Redis entry that all processes share, each process
 * keeps the latest version's map already serialized and compressed per filter: under an on-sale the
 * same map is asked for hundreds of times a second, and serializing and compressing it each time would
 * cost more CPU than everything else the request does. The event's version is read from Redis on every
 * request; a newer one is loaded once, by the first request that sees it, while the map in hand still
 * answers the requests that come meanwhile, but never past its expiry: no map older than
 * SEAT_MAP_TTL_MS from its read of PostgreSQL is ever sent.
 */
export class SeatMapResponses {
  private readonly entries = new Map<string, Entry>();
  private readonly loading = new Map<string, Promise<Entry>>();

  async rendition(db: Queryable, redis: Redis, eventId: string, filter: SeatMapFilter): Promise<SeatMapRendition> {
    const id = eventId.toLowerCase();
    const version = await readInventoryVersion(redis, id);
    const entry = version === null ? await this.uncached(db, redis, id) : await this.entryFor(db, redis, id, version);
    const key = `${filter.section_id?.toLowerCase() ?? ''}|${filter.status ?? ''}`;
    let rendition = entry.renditions.get(key);
    if (!rendition) {
      const unfiltered = !filter.section_id && !filter.status;
      const json = unfiltered ? entry.snapshot.json : JSON.stringify(applyFilter(JSON.parse(entry.snapshot.json) as SeatMapView, filter));
      rendition = new SeatMapRendition(Buffer.from(json), entry.snapshot.position);
      entry.renditions.set(key, rendition);
    }
    return rendition;
  }

  private async uncached(db: Queryable, redis: Redis, eventId: string): Promise<Entry> {
    return { snapshot: await seatMapSnapshot(db, redis, eventId, null), renditions: new Map() };
  }

  private async entryFor(db: Queryable, redis: Redis, eventId: string, version: string): Promise<Entry> {
    const current = this.entries.get(eventId);
    const fresh = current !== undefined && Date.now() < current.snapshot.expiresAt;
    if (current && fresh && current.snapshot.version === version) return current;
    // The first request to see a new version waits for it (a buyer sees their own hold at once); those
    // that come while it loads get the map in hand, within its bound, so a sale changing the version ten
    // times a second never makes readers queue behind the reloads.
    if (current && fresh && this.loading.has(`${eventId}:${version}`)) return current;
    return this.load(db, redis, eventId, version);
  }

  /** One load per event and version, whoever asks. */
  private load(db: Queryable, redis: Redis, eventId: string, version: string): Promise<Entry> {
    const loadKey = `${eventId}:${version}`;
    let load = this.loading.get(loadKey);
    if (!load) {
      load = seatMapSnapshot(db, redis, eventId, version).then((snapshot) => {
        const entry = { snapshot, renditions: new Map<string, SeatMapRendition>() };
        const latest = this.entries.get(eventId);
        // A slower load of an older version must not replace a newer one.
        if (!latest || BigInt(latest.snapshot.version ?? '0') <= BigInt(version)) this.entries.set(eventId, entry);
        this.sweep();
        return entry;
      });
      this.loading.set(loadKey, load);
      void load.finally(() => this.loading.delete(loadKey)).catch(() => undefined);
    }
    return load;
  }

  private sweep(): void {
    if (this.entries.size <= SWEEP_ABOVE) return;
    const now = Date.now();
    for (const [eventId, entry] of this.entries) if (entry.snapshot.expiresAt <= now) this.entries.delete(eventId);
  }
}
