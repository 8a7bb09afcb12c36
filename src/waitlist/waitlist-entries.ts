import type { Pool } from 'pg';
import type { Queryable } from '../db/transaction';
import type { ReservationStatus } from '../domain/reservation';

/**
 * A fan's place on a waiting list as they see it. OFFERED, PURCHASED and OFFER_LAPSED follow the
 * offer's reservation (a live hold, paid, or expired/cancelled unpaid); CLOSED is a line whose event
 * was cancelled.
 */
export type WaitlistStatus = 'WAITING' | 'OFFERED' | 'PURCHASED' | 'OFFER_LAPSED' | 'LEFT' | 'CLOSED';

export interface WaitlistEntryView {
  entry_id: string;
  event_id: string;
  section_id: string;
  quantity: number;
  status: WaitlistStatus;
  /** 1 for the next fan to be served in the section; null once out of the line. */
  position: number | null;
  joined_at: string;
  offer: { reservation_id: string; reservation_status: ReservationStatus; held_until: string; offered_at: string } | null;
}

interface EntryRow {
  id: string;
  event_id: string;
  section_id: string;
  quantity: number;
  status: 'WAITING' | 'OFFERED' | 'LEFT';
  joined_at: Date;
  offered_at: Date | null;
  position: number | null;
  reservation_id: string | null;
  reservation_status: ReservationStatus | null;
  held_until: Date | null;
  event_status: string;
}

const ENTRY_SELECT = `
  SELECT w.id, w.event_id, w.section_id, w.quantity, w.status, w.joined_at, w.offered_at,
         CASE WHEN w.status = 'WAITING' THEN (
           SELECT count(*) FROM waitlist_entries a
            WHERE a.event_id = w.event_id AND a.section_id = w.section_id AND a.status = 'WAITING' AND a.line_number <= w.line_number
         )::int END AS position,
         r.id AS reservation_id, r.status AS reservation_status, r.held_until, e.status AS event_status
    FROM waitlist_entries w
    JOIN events e ON e.id = w.event_id
    LEFT JOIN reservations r ON r.id = w.reservation_id`;

/** The fan's latest entry for the event (waiting, offered or left), or null. */
export async function latestEntry(db: Queryable, eventId: string, userId: string): Promise<WaitlistEntryView | null> {
  const { rows } = await db.query<EntryRow>(`${ENTRY_SELECT} WHERE w.event_id = $1 AND w.user_id = $2 ORDER BY w.line_number DESC LIMIT 1`, [
    eventId,
    userId,
  ]);
  return rows[0] ? toView(rows[0]) : null;
}

export async function entryById(db: Queryable, entryId: string): Promise<WaitlistEntryView | null> {
  const { rows } = await db.query<EntryRow>(`${ENTRY_SELECT} WHERE w.id = $1`, [entryId]);
  return rows[0] ? toView(rows[0]) : null;
}

/**
 * Puts the fan at the back of the section's line. Null when the fan already has a place in the
 * event's line (one per fan and event, enforced by a unique index, so two requests at once make one).
 */
export async function insertEntry(pool: Pool, entry: { eventId: string; sectionId: string; userId: string; quantity: number }): Promise<string | null> {
  const { rows } = await pool.query<{ id: string }>(
    `INSERT INTO waitlist_entries (event_id, section_id, user_id, quantity, status) VALUES ($1, $2, $3, $4, 'WAITING')
     ON CONFLICT (event_id, user_id) WHERE status = 'WAITING' DO NOTHING RETURNING id`,
    [entry.eventId, entry.sectionId, entry.userId, entry.quantity],
  );
  return rows[0]?.id ?? null;
}

/**
 * The sections among `sectionIds` where fans of the event wait in line. Places of a lapsed hold there
 * are theirs: the release offers them (offer-places.ts), so no other hold takes them meanwhile. Read
 * under the caller's locks on those places: a fan who joins after it is behind this hold.
 */
export async function sectionsWithFansWaiting(db: Queryable, eventId: string, sectionIds: string[]): Promise<Set<string>> {
  if (sectionIds.length === 0) return new Set();
  const { rows } = await db.query<{ section_id: string }>(
    `SELECT DISTINCT section_id FROM waitlist_entries WHERE event_id = $1 AND section_id = ANY($2::uuid[]) AND status = 'WAITING'`,
    [eventId, sectionIds],
  );
  return new Set(rows.map((r) => r.section_id));
}

/**
 * Takes the fan out of the line. Under the entry's lock: an offer being made at the same moment
 * either finds it gone or wins, and then there is nothing left to leave (null).
 */
export async function leaveLine(pool: Pool, eventId: string, userId: string): Promise<string | null> {
  const { rows } = await pool.query<{ id: string }>(
    `UPDATE waitlist_entries SET status = 'LEFT', left_at = now()
      WHERE event_id = $1 AND user_id = $2 AND status = 'WAITING' RETURNING id`,
    [eventId, userId],
  );
  return rows[0]?.id ?? null;
}

function toView(row: EntryRow): WaitlistEntryView {
  return {
    entry_id: row.id,
    event_id: row.event_id,
    section_id: row.section_id,
    quantity: row.quantity,
    status: statusOf(row),
    position: row.status === 'WAITING' && row.event_status !== 'CANCELLED' ? row.position : null,
    joined_at: row.joined_at.toISOString(),
    offer:
      row.reservation_id && row.reservation_status && row.held_until && row.offered_at
        ? {
            reservation_id: row.reservation_id,
            reservation_status: row.reservation_status,
            held_until: row.held_until.toISOString(),
            offered_at: row.offered_at.toISOString(),
          }
        : null,
  };
}

function statusOf(row: EntryRow): WaitlistStatus {
  if (row.status === 'LEFT') return 'LEFT';
  if (row.status === 'WAITING') return row.event_status === 'CANCELLED' ? 'CLOSED' : 'WAITING';
  switch (row.reservation_status) {
    case 'CONFIRMED':
    case 'REFUNDED':
      return 'PURCHASED';
    case 'EXPIRED':
    case 'CANCELLED':
      return 'OFFER_LAPSED';
    default:
      return 'OFFERED';
  }
}
