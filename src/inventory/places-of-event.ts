import type { Queryable } from '../db/transaction';
import { isUuid } from '../db/uuid';

/**
 * Which of `seatIds` are seats of the event, in the order asked, without duplicates. Malformed ids are
 * simply not seats of the event (never a PostgreSQL error).
 */
export async function findSeatsOfEvent(db: Queryable, eventId: string, seatIds: string[]): Promise<string[]> {
  const candidates = [...new Set(seatIds.filter(isUuid).map((id) => id.toLowerCase()))];
  if (!isUuid(eventId) || candidates.length === 0) return [];
  const { rows } = await db.query<{ id: string }>('SELECT id FROM seats WHERE event_id = $1 AND id = ANY($2::uuid[])', [
    eventId,
    candidates,
  ]);
  const found = new Set(rows.map((r) => r.id));
  return candidates.filter((id) => found.has(id));
}

/** The GA sections on sale for the event (those with a counter); empty for an unknown or malformed id. */
export async function findGaSectionsOfEvent(db: Queryable, eventId: string): Promise<Set<string>> {
  if (!isUuid(eventId)) return new Set();
  const { rows } = await db.query<{ section_id: string }>('SELECT section_id FROM ga_inventory WHERE event_id = $1', [eventId]);
  return new Set(rows.map((r) => r.section_id));
}
