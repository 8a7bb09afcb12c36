import type { Redis } from 'ioredis';
import type { SeatMapView } from '../api/openapi/event-schemas';
import type { Queryable } from '../db/transaction';
import { isUuid } from '../db/uuid';
import { eventNotFound } from '../events/event-lookup';
import { withTimeout } from '../shared/concurrency';
import { inventoryStreamKey, inventoryVersionKey } from './inventory-signals';
import { applyFilter, type SeatMapFilter } from './seat-map-filter';
import { readSeatMap } from './seat-map-query';

/**
 * The bound: no map is served more than this after it was read from PostgreSQL, nor past the first
 * held_until in it. Lapsed holds turn AVAILABLE with time alone, without any version change; any hold,
 * release or sale moves the event's version, and so the key, at once.
 */
export const SEAT_MAP_TTL_MS = 1000;
/** Redis is an optimisation here: if it does not answer quickly, PostgreSQL does. */
const CACHE_TIMEOUT_MS = 100;

const cacheKey = (eventId: string, version: string): string => `seatmap:v2:${eventId}:${version}`;

/** The unfiltered map of an event and how long it may be served. */
export interface SeatMapSnapshot {
  /** The map serialized (as cached): the unfiltered answer is these bytes, never parsed again. */
  json: string;
  /** The inventory version it was read under; null when Redis did not answer (then nothing is cached). */
  version: string | null;
  /**
   * The event's change-stream id read before PostgreSQL was: every change after it may be missing from
   * the map, every change up to it is in it. A live client resumes from here (X-Last-Event-Id).
   */
  position: string | null;
  /** Date.now() after which it must not be served (at most SEAT_MAP_TTL_MS after it was read). */
  expiresAt: number;
}

/**
 * The unfiltered map of an event, cached in Redis under the event's inventory version so every API
 * process shares one read of PostgreSQL per version. The version is read first: a change announced
 * after it moves the key on, and one announced before it is in what PostgreSQL answers.
 */
export async function seatMapSnapshot(db: Queryable, redis: Redis, eventId: string, knownVersion?: string | null): Promise<SeatMapSnapshot> {
  if (!isUuid(eventId)) throw eventNotFound(eventId);
  const id = eventId.toLowerCase();
  const version = knownVersion !== undefined ? knownVersion : await readInventoryVersion(redis, id);
  if (version === null) return { json: JSON.stringify((await loadSeatMap(db, id)).view), version: null, position: null, expiresAt: 0 };
  const key = cacheKey(id, version);
  const cached = await bestEffort(redis.multi().get(key).pttl(key).xrevrange(inventoryStreamKey(id), '+', '-', 'COUNT', 1).exec());
  const text = cached?.[0]?.[1];
  const ttl = Number(cached?.[1]?.[1] ?? -1);
  // Stored as "<position>\n<json>": one key, one read.
  if (typeof text === 'string' && ttl > 0) {
    const cut = text.indexOf('\n');
    return { json: text.slice(cut + 1), version, position: text.slice(0, cut) || null, expiresAt: Date.now() + ttl };
  }
  const last = (cached?.[2]?.[1] ?? []) as Array<[string, string[]]>;
  const position = cached ? (last[0]?.[0] ?? '0-0') : null;
  const { view, freshForMs } = await loadSeatMap(db, id);
  const json = JSON.stringify(view);
  void bestEffort(redis.set(key, `${position ?? ''}\n${json}`, 'PX', freshForMs));
  return { json, version, position, expiresAt: Date.now() + freshForMs };
}

/** The event's inventory version ('0' before any change), or null when Redis does not answer. */
export async function readInventoryVersion(redis: Redis, eventId: string): Promise<string | null> {
  const version = await bestEffort(redis.get(inventoryVersionKey(eventId.toLowerCase())));
  return version === undefined ? null : (version ?? '0');
}

/** The seat availability of an event (contract shape), filtered. */
export async function getSeatMap(db: Queryable, redis: Redis, eventId: string, filter: SeatMapFilter = {}): Promise<SeatMapView> {
  return applyFilter(JSON.parse((await seatMapSnapshot(db, redis, eventId)).json) as SeatMapView, filter);
}

/** Resolves to undefined instead of failing or hanging when Redis is down or slow. */
function bestEffort<T>(command: Promise<T>): Promise<T | undefined> {
  return withTimeout('redis', CACHE_TIMEOUT_MS, command).catch(() => undefined);
}

/** The map, and how long it stays true without a version change: until SEAT_MAP_TTL_MS or the next hold lapses. */
async function loadSeatMap(db: Queryable, eventId: string): Promise<{ view: SeatMapView; freshForMs: number }> {
  const read = await readSeatMap(db, eventId);
  if (read === null) throw eventNotFound(eventId);
  const untilLapse = read.nextLapse ? read.nextLapse.getTime() - read.readAt.getTime() : Infinity;
  return { view: read.view, freshForMs: Math.max(1, Math.min(SEAT_MAP_TTL_MS, Math.ceil(untilLapse))) };
}
