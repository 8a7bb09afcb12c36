import type { SeatStatus } from '../api/openapi/event-schemas';
import type { Queryable } from '../db/transaction';
import { readSectionPrices, type PriceEventData } from '../pricing/price-view';
import type { ChangeEntry } from './change-stream';
import { PRICE_CAUSE, type ChangeCause } from './inventory-signals';

export interface SeatChange {
  seat_id: string;
  section_id: string;
  status: SeatStatus;
}

export interface SectionCount {
  section_id: string;
  kind: 'SEATED' | 'GA';
  available_count: number;
}

/** The data of one `inventory` event of GET /events/{id}/stream. */
export interface InventoryEventData {
  event_id: string;
  cause: ChangeCause;
  seats: SeatChange[];
  sections: SectionCount[];
}

/** One entry of the live stream as clients get it: an `inventory` event, or a `price` event (DEMAND pricing). */
export type StreamEvent = { event: 'inventory'; data: InventoryEventData } | { event: 'price'; data: PriceEventData };

/** A batch of stream entries of both kinds, described in their order. */
export async function describeStreamEntries(db: Queryable, eventId: string, entries: readonly ChangeEntry[]): Promise<StreamEvent[]> {
  const inventory = entries.filter((e): e is ChangeEntry & { cause: ChangeCause } => e.cause !== PRICE_CAUSE);
  const priced = entries.filter((e) => e.cause === PRICE_CAUSE);
  const [described, prices] = await Promise.all([
    describeChanges(db, eventId, inventory),
    priced.length > 0 ? readSectionPrices(db, eventId, [...new Set(priced.flatMap((e) => e.priceSectionIds))]) : new Map<string, never>(),
  ]);
  const byId = new Map(inventory.map((e, i) => [e.id, described[i]!]));
  return entries.map((entry): StreamEvent => {
    const change = byId.get(entry.id);
    if (change) return { event: 'inventory', data: change };
    return { event: 'price', data: { event_id: eventId, sections: entry.priceSectionIds.flatMap((id) => prices.get(id) ?? []) } };
  });
}

/**
 * The changes of a batch of entries with the places' statuses read now, in one round trip per kind:
 * a status read after the entry was written is at least as new as the change it announces, so
 * entries announced out of commit order never leave an old status on screen. Statuses are computed as
 * the seat map computes them (a lapsed hold is AVAILABLE).
 */
export async function describeChanges(db: Queryable, eventId: string, entries: ReadonlyArray<ChangeEntry & { cause: ChangeCause }>): Promise<InventoryEventData[]> {
  const seatIds = [...new Set(entries.flatMap((e) => e.seatIds))];
  const seats = await readSeats(db, eventId, seatIds);
  const sectionIds = [...new Set([...seats.values()].map((s) => s.section_id).concat(entries.flatMap((e) => e.gaSectionIds)))];
  const counts = await readSectionCounts(db, eventId, sectionIds);
  return entries.map((entry) => {
    const changed = entry.seatIds.flatMap((id) => seats.get(id) ?? []);
    const sections = [...new Set([...changed.map((s) => s.section_id), ...entry.gaSectionIds])].flatMap((id) => counts.get(id) ?? []);
    return { event_id: eventId, cause: entry.cause, seats: changed, sections };
  });
}

async function readSeats(db: Queryable, eventId: string, seatIds: string[]): Promise<Map<string, SeatChange>> {
  if (seatIds.length === 0) return new Map();
  const { rows } = await db.query<SeatChange>(
    `SELECT id AS seat_id, section_id,
            CASE WHEN status = 'HELD' AND held_until <= now() THEN 'AVAILABLE' ELSE status END AS status
       FROM seats WHERE event_id = $1 AND id = ANY($2::uuid[])`,
    [eventId, seatIds],
  );
  return new Map(rows.map((r) => [r.seat_id, r]));
}

async function readSectionCounts(db: Queryable, eventId: string, sectionIds: string[]): Promise<Map<string, SectionCount>> {
  if (sectionIds.length === 0) return new Map();
  const { rows } = await db.query<SectionCount>(
    `SELECT s.id AS section_id, s.kind,
            CASE WHEN s.kind = 'GA' THEN
              (SELECT GREATEST(g.capacity - g.sold - (g.held - COALESCE((
                        SELECT sum(h.quantity) FROM ga_holds h
                         WHERE h.event_id = g.event_id AND h.section_id = g.section_id AND h.status = 'HELD' AND h.held_until <= now()), 0)), 0)
                 FROM ga_inventory g WHERE g.event_id = $1 AND g.section_id = s.id)
            ELSE
              (SELECT count(*) FROM seats st
                WHERE st.event_id = $1 AND st.section_id = s.id
                  AND (st.status = 'AVAILABLE' OR (st.status = 'HELD' AND st.held_until <= now())))
            END::int AS available_count
       FROM sections s WHERE s.id = ANY($2::uuid[])`,
    [eventId, sectionIds],
  );
  return new Map(rows.map((r) => [r.section_id, r]));
}
