import type { PoolClient } from 'pg';
import { AppError } from '../domain/errors';
import type { ReservationView } from '../domain/reservation';

/*
 * The one lock order of the inventory and its money. Every transaction that changes inventory,
 * tickets or payments takes its locks in this order (skipping what it does not need), so two of them
 * can wait on each other but never deadlock; and every write that depends on who owns a row is
 * decided under these locks, never on an unlocked count.
 *
 *   1. During a presale, the buyer's advisory lock for the event (so their concurrent holds are
 *      counted one after the other against the per-user limit).
 *   2. For a high-demand event, the queue token's advisory lock (so one token backs one open hold).
 *   3. An order's row (a refund, a transfer of one of its tickets), then its reservation's row (or,
 *      before the reservation exists, its advisory attempt lock).
 *   4. Seats, by id.
 *   5. GA counters, by section.
 *   6. GA hold rows, and payments.
 *   7. The order's tickets, by id. (The door's scan takes a ticket alone and then, in a later statement,
 *      its open resale listing; the trigger of migration 008 takes the order's row FOR SHARE when a
 *      ticket becomes usable, which the order's writers already hold.)
 *   7a. The order's resale listings, by id (a resale's sale: the order, the ticket, the listing), then
 *      their purchases (the buyers' charges), by id. Listing a ticket takes the order, then the ticket.
 *      A listing's charge, its withdrawal or expiry, and its payout each take the listing's row alone
 *      (then its purchase or payout rows).
 *   8. Waiting-list entries of the freed sections, in line order (src/waitlist/offer-places.ts), then
 *      free seats with SKIP LOCKED.
 *
 * Price rows (event_prices) of a DEMAND event stand apart from this order. A price change
 * (src/pricing/apply-price-changes.ts) takes the event's pricing row, then its price rows FOR UPDATE in
 * section order, and nothing else. A hold takes all its event's price rows FOR SHARE in section order
 * (between 3 and 4: after its attempt lock, before its seats), a waiting-list offer the row of each
 * section it serves FOR SHARE, sections in order (during 8). Shared locks do not wait for each other,
 * and the price change waits only for price rows, taken in the same order as everyone else's, so no
 * cycle can pass through a price row: a hold made at the old price commits before the change, and a
 * hold that waited for a change is made at the new price.
 *   9. Last, the email outbox's keys (src/email/outbox.ts): an insert waits only for another
 *      transaction owing the same email; several keys are inserted in one order (by user id).
 */

/**
 * Serialises the attempts of one reservation's hold: a retry started while an earlier attempt is still
 * running waits for it to commit or roll back, and then sees its outcome. The same key as the hold
 * function's (migration 012): the id as PostgreSQL prints a uuid. The buyer's presale lock and the queue
 * token's (1 and 2 above) are taken only by that function.
 */
export async function lockReservationAttempts(db: PoolClient, reservationId: string): Promise<void> {
  await db.query(`SELECT pg_advisory_xact_lock(hashtextextended('reservation:' || $1::uuid::text, 0))`, [reservationId]);
}

export async function lockReservation(
  db: PoolClient,
  reservationId: string,
): Promise<{ event_id: string; status: ReservationView['status'] } | undefined> {
  const { rows } = await db.query<{ event_id: string; status: ReservationView['status'] }>(
    'SELECT event_id, status FROM reservations WHERE id = $1 FOR UPDATE',
    [reservationId],
  );
  return rows[0];
}

/**
 * Locks every seat and GA counter the reservation holds, in the lock order, and checks under those
 * locks that each is still this reservation's HELD row. A row whose deadline passed but that nobody
 * took is still ours (the row says so); one that another hold reclaimed is lost, and then the whole
 * hold is lost: RESERVATION_EXPIRED with reason HOLD_LOST, nothing changed.
 */
export async function lockOwnedHold(db: PoolClient, view: ReservationView): Promise<void> {
  const seatIds = view.seats.map((s) => s.seat_id);
  const sections = [...new Set(view.ga.map((g) => g.section_id))];
  const seats = seatIds.length
    ? await db.query<{ id: string; mine: boolean }>(
        `SELECT id, (reservation_id = $2 AND status = 'HELD') AS mine
           FROM seats WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE`,
        [seatIds, view.reservation_id],
      )
    : { rows: [] };
  if (sections.length) {
    await db.query('SELECT 1 FROM ga_inventory WHERE event_id = $1 AND section_id = ANY($2::uuid[]) ORDER BY section_id FOR UPDATE', [
      view.event_id,
      sections,
    ]);
  }
  const ga = sections.length
    ? await db.query<{ section_id: string }>(
        `SELECT section_id FROM ga_holds WHERE reservation_id = $1 AND status = 'HELD' ORDER BY section_id FOR UPDATE`,
        [view.reservation_id],
      )
    : { rows: [] };
  const lostSeats = seatIds.filter((id) => !seats.rows.some((r) => r.id === id && r.mine));
  const heldSections = new Set(ga.rows.map((r) => r.section_id));
  const lostSections = sections.filter((s) => !heldSections.has(s));
  if (lostSeats.length > 0 || lostSections.length > 0) {
    throw new AppError('RESERVATION_EXPIRED', 'the hold lapsed and its inventory went to another buyer', {
      reason: 'HOLD_LOST',
      lost_seats: lostSeats,
      lost_sections: lostSections,
    });
  }
}

/** A write that changed other rows than the locks promised: nothing of the transaction may stand. */
export function expectRows(actual: number | null, expected: number, what: string): void {
  if (actual !== expected) {
    throw new AppError('RESERVATION_EXPIRED', `the hold changed under its lock (${what}: ${actual ?? 0} of ${expected} rows)`, {
      reason: 'HOLD_LOST',
    });
  }
}
