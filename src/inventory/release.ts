import type { Pool, PoolClient } from 'pg';
import { withTransaction } from '../db/transaction';
import type { ReleasedGa, ReservationView } from '../domain/reservation';
import { appendAudit } from './audit';
import { lockReservation, lockReservationAttempts } from './locks';
import { loadReleased, requireReservationView } from './reservation-view';
import { offerFreedPlaces, offersMadeAfter, type WaitlistOffer } from '../waitlist/offer-places';

export type ReleaseStatus = 'EXPIRED' | 'CANCELLED';

export interface ReleaseCommand {
  reservationId: string;
  status: ReleaseStatus;
  reason: string;
  actor: string;
}

export interface ReleaseResult {
  view: ReservationView;
  /** Seats the release gave back (not those another hold had reclaimed); a retry answers the same. */
  releasedSeats: string[];
  releasedGa: ReleasedGa[];
  /** True when the reservation was already closed: this call changed nothing. */
  repeated: boolean;
  /**
   * Holds the freed places became for fans on the event's waiting lists, made in the same transaction
   * (on a repeated call: the ones the first call made). Each needs its reservation workflow started.
   */
  offers: WaitlistOffer[];
}

/**
 * Gives back whatever this reservation still holds and closes it. Touches only the reservation's own
 * rows, so a seat that lapsed and was taken by someone else stays theirs. Idempotent: a second call
 * finds nothing left to release and leaves the first call's status.
 */
export async function releaseInventory(pool: Pool, cmd: ReleaseCommand): Promise<ReleaseResult> {
  return withTransaction(pool, async (db) => {
    const released = await releaseInTransaction(db, cmd);
    if (!released) throw new Error(`reservation ${cmd.reservationId} does not exist`);
    return released;
  });
}

/** What closing a reservation for an operator found: released now (or before), never held (its row is gone), or sold. */
export type ClosedHold = 'RELEASED' | 'GONE' | 'SOLD';

/**
 * Closes whatever a reservation still holds, for a caller that needs it closed whatever state it is
 * in (an event's cancellation, once the reservation's workflow is gone): a reservation whose row is
 * gone holds nothing (a hold abandoned after a failed attempt deletes it), and a sold one is its
 * order's to refund. Idempotent.
 */
export async function closeHold(pool: Pool, cmd: ReleaseCommand): Promise<ClosedHold> {
  return withTransaction(pool, async (db) => {
    const reservation = await lockReservation(db, cmd.reservationId);
    if (!reservation) return 'GONE';
    if (reservation.status === 'CONFIRMED' || reservation.status === 'REFUNDED') return 'SOLD';
    await releaseInTransaction(db, cmd);
    return 'RELEASED';
  });
}

/**
 * Undoes a hold whose attempt failed or timed out without an answer (it may have committed after
 * all): waits for any attempt still running, then gives back what it holds and removes the
 * reservation, which its buyer never saw. Nothing to do if no attempt committed.
 */
export async function abandonHold(pool: Pool, reservationId: string): Promise<{ abandoned: boolean }> {
  const { abandoned } = await abandonHoldAndOffer(pool, reservationId);
  return { abandoned };
}

/** The same, with the waiting-list offers the freed places became (their workflows must be started). */
export async function abandonHoldAndOffer(pool: Pool, reservationId: string): Promise<{ abandoned: boolean; offers: WaitlistOffer[] }> {
  return withTransaction(pool, async (db) => {
    await lockReservationAttempts(db, reservationId);
    const released = await releaseInTransaction(db, {
      reservationId,
      status: 'CANCELLED',
      reason: 'HOLD_ABANDONED',
      actor: 'workflow:HOLD_ABANDONED',
    });
    if (!released) return { abandoned: false, offers: [] };
    // Money recorded against it (a provider notification) keeps the row, closed, for the books; so
    // does a waiting-list offer, which its fan can read.
    const kept = await db.query(
      `SELECT 1 FROM payments WHERE reservation_id = $1 UNION ALL SELECT 1 FROM payment_notifications WHERE reservation_id = $1
       UNION ALL SELECT 1 FROM waitlist_entries WHERE reservation_id = $1 LIMIT 1`,
      [reservationId],
    );
    if (kept.rowCount === 0) {
      await db.query('DELETE FROM ga_holds WHERE reservation_id = $1', [reservationId]);
      await db.query('DELETE FROM reservations WHERE id = $1', [reservationId]);
    }
    return { abandoned: true, offers: released.offers };
  });
}

async function releaseInTransaction(db: PoolClient, cmd: ReleaseCommand): Promise<ReleaseResult | null> {
  const reservation = await lockReservation(db, cmd.reservationId);
  if (!reservation) return null;
  const source = `reservation:${cmd.reservationId}`;
  if (reservation.status === 'EXPIRED' || reservation.status === 'CANCELLED') {
    const released = await loadReleased(db, cmd.reservationId);
    return {
      view: await requireReservationView(db, cmd.reservationId),
      releasedSeats: released.seats,
      releasedGa: released.ga,
      repeated: true,
      offers: await offersMadeAfter(db, source),
    };
  }
  if (reservation.status === 'CONFIRMED' || reservation.status === 'REFUNDED') {
    throw new Error(`reservation ${cmd.reservationId} is ${reservation.status}; sold inventory is not released here`);
  }
  const seats = await db.query<{ id: string; section_id: string }>(
    `UPDATE seats SET status = 'AVAILABLE', reservation_id = NULL, held_until = NULL, version = version + 1
      WHERE id IN (SELECT id FROM seats WHERE reservation_id = $1 AND status = 'HELD' ORDER BY id FOR UPDATE)
      RETURNING id, section_id`,
    [cmd.reservationId],
  );
  const ga = await releaseGaHolds(db, cmd.reservationId);
  await db.query(
    `UPDATE reservations SET status = $2, release_reason = $3, released_at = now(), updated_at = now() WHERE id = $1`,
    [cmd.reservationId, cmd.status, cmd.reason],
  );
  await appendAudit(
    db,
    'RELEASE',
    cmd.actor,
    [
      ...seats.rows.map((s) => ({ eventId: reservation.event_id, reservationId: cmd.reservationId, sectionId: s.section_id, seatId: s.id, quantity: 1 })),
      ...ga.map((g) => ({ eventId: reservation.event_id, reservationId: cmd.reservationId, sectionId: g.section_id, seatId: null, quantity: g.quantity })),
    ],
    cmd.reason,
  );
  // After the release's own locks (reservation, seats, GA counters), as the lock order wants.
  const offers = await offerFreedPlaces(db, {
    eventId: reservation.event_id,
    sectionIds: [...new Set([...seats.rows.map((s) => s.section_id), ...ga.map((g) => g.section_id)])],
    source,
  });
  return {
    view: await requireReservationView(db, cmd.reservationId),
    releasedSeats: seats.rows.map((s) => s.id).sort(),
    releasedGa: ga.map((g) => ({ section_id: g.section_id, quantity: g.quantity })),
    repeated: false,
    offers,
  };
}

/** Locks this reservation's GA counters in section order, the same order a hold takes them. */
async function releaseGaHolds(db: PoolClient, reservationId: string): Promise<Array<{ section_id: string; quantity: number }>> {
  const holds = await db.query<{ event_id: string; section_id: string; quantity: number }>(
    `SELECT event_id, section_id, quantity FROM ga_holds WHERE reservation_id = $1 AND status = 'HELD' ORDER BY section_id`,
    [reservationId],
  );
  const released: Array<{ section_id: string; quantity: number }> = [];
  for (const hold of holds.rows) {
    await db.query('SELECT 1 FROM ga_inventory WHERE event_id = $1 AND section_id = $2 FOR UPDATE', [hold.event_id, hold.section_id]);
    // Re-read under the counter's lock: a concurrent hold may have reclaimed this lapsed hold meanwhile.
    const still = await db.query(
      `UPDATE ga_holds SET status = 'RELEASED' WHERE reservation_id = $1 AND section_id = $2 AND status = 'HELD'`,
      [reservationId, hold.section_id],
    );
    if (still.rowCount === 1) {
      await db.query('UPDATE ga_inventory SET held = held - $3 WHERE event_id = $1 AND section_id = $2', [
        hold.event_id,
        hold.section_id,
        hold.quantity,
      ]);
      released.push(hold);
    }
  }
  // Only what this call gave back: a hold reclaimed meanwhile is in the audit log as RECLAIM_EXPIRED.
  return released;
}
