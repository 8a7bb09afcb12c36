import type { Redis } from 'ioredis';
import type { Queryable } from '../../db/transaction';
import { inventoryStreamKey, inventoryVersionKey } from '../../inventory/inventory-signals';
import { withTimeout } from '../../shared/concurrency';
import type { GaMapSection, SeatMapView, SeatStatus, SeatedMapSection } from '../openapi/event-schemas';
import { eventNotFound } from './events-service';
import { isUuid } from './venues-service';

export interface SeatMapFilter {
  section_id?: string;
  status?: SeatStatus;
}

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

export function applyFilter(map: SeatMapView, filter: SeatMapFilter): SeatMapView {
  if (!filter.section_id && !filter.status) return map;
  const sectionId = filter.section_id?.toLowerCase();
  const sections = map.sections
    .filter((s) => !sectionId || s.section_id === sectionId)
    .map((s) => (s.kind === 'SEATED' && filter.status ? { ...s, seats: s.seats.filter((seat) => seat.status === filter.status) } : s));
  return { ...map, sections, total_available: sections.reduce((sum, s) => sum + s.available_count, 0) };
}

interface SectionRow {
  section_id: string;
  name: string;
  kind: 'SEATED' | 'GA';
  price_cents: number;
  capacity: number | null;
  ga_available: number | null;
  read_at: Date;
  /** The earliest held_until still ahead: then a seat or GA place goes back on sale with no version change. */
  next_lapse: Date | null;
}

interface SeatRow {
  seat_id: string;
  section_id: string;
  row: string;
  number: number;
  status: SeatStatus;
}

/** The map, and how long it stays true without a version change: until SEAT_MAP_TTL_MS or the next hold lapses. */
async function loadSeatMap(db: Queryable, eventId: string): Promise<{ view: SeatMapView; freshForMs: number }> {
  const [sections, seats] = await Promise.all([loadSections(db, eventId), loadSeats(db, eventId)]);
  if (sections === null) throw eventNotFound(eventId);
  const bySection = new Map<string, SeatRow[]>();
  for (const seat of seats) {
    const list = bySection.get(seat.section_id);
    if (list) list.push(seat);
    else bySection.set(seat.section_id, [seat]);
  }
  const views = sections.rows.map((s) => toSectionView(s, bySection.get(s.section_id) ?? []));
  const untilLapse = sections.nextLapse ? sections.nextLapse.getTime() - sections.readAt.getTime() : Infinity;
  return {
    view: {
      event_id: eventId,
      sections: views,
      total_available: views.reduce((sum, s) => sum + s.available_count, 0),
      last_updated: sections.readAt.toISOString(),
    },
    freshForMs: Math.max(1, Math.min(SEAT_MAP_TTL_MS, Math.ceil(untilLapse))),
  };
}

function toSectionView(s: SectionRow, seats: SeatRow[]): SeatedMapSection | GaMapSection {
  const common = { section_id: s.section_id, name: s.name, price_cents: s.price_cents };
  if (s.kind === 'GA') {
    return { ...common, kind: 'GA', capacity: s.capacity ?? 0, available_count: s.ga_available ?? 0 };
  }
  return {
    ...common,
    kind: 'SEATED',
    available_count: seats.filter((seat) => seat.status === 'AVAILABLE').length,
    seats: seats.map((seat) => ({ seat_id: seat.seat_id, row: seat.row, number: seat.number, status: seat.status })),
  };
}

/** The event's on-sale sections in venue order; null when the event does not exist. */
async function loadSections(db: Queryable, eventId: string): Promise<{ rows: SectionRow[]; readAt: Date; nextLapse: Date | null } | null> {
  // LEFT JOIN from the event, so an existing event with no priced section still answers (with no sections).
  const { rows } = await db.query<Omit<SectionRow, 'section_id'> & { section_id: string | null }>(
    `SELECT s.id AS section_id, s.name, s.kind, p.price_cents, g.capacity,
            GREATEST(g.capacity - g.sold - (g.held - COALESCE((
              SELECT sum(h.quantity) FROM ga_holds h
               WHERE h.event_id = g.event_id AND h.section_id = g.section_id AND h.status = 'HELD' AND h.held_until <= now()
            ), 0)), 0)::int AS ga_available,
            now() AS read_at,
            -- On $1, not e.id: uncorrelated, so computed once for the query rather than once per section row.
            LEAST((SELECT min(held_until) FROM seats WHERE event_id = $1 AND status = 'HELD' AND held_until > now()),
                  (SELECT min(held_until) FROM ga_holds WHERE event_id = $1 AND status = 'HELD' AND held_until > now())) AS next_lapse
       FROM events e
       LEFT JOIN event_prices p ON p.event_id = e.id
       LEFT JOIN sections s ON s.id = p.section_id
       LEFT JOIN ga_inventory g ON g.event_id = e.id AND g.section_id = s.id
      WHERE e.id = $1
      ORDER BY s.position`,
    [eventId],
  );
  const first = rows[0];
  if (!first) return null;
  return { rows: rows.filter((r): r is SectionRow => r.section_id !== null), readAt: first.read_at, nextLapse: first.next_lapse };
}

/** Seats in print order: rows by length then text (so Z < AA), then by number. */
async function loadSeats(db: Queryable, eventId: string): Promise<SeatRow[]> {
  const { rows } = await db.query<SeatRow>(
    `SELECT id AS seat_id, section_id, row_label AS row, seat_number AS number,
            CASE WHEN status = 'HELD' AND held_until <= now() THEN 'AVAILABLE' ELSE status END AS status
       FROM seats
      WHERE event_id = $1
      ORDER BY section_id, length(row_label), row_label COLLATE "C", seat_number`,
    [eventId],
  );
  return rows;
}
