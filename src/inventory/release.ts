import type { Pool, PoolClient } from 'pg';
import { withTransaction, type Queryable } from '../db/transaction';
import type { ReleasedGa, ReservationView } from '../domain/reservation';
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
 * finds nothing left to release and leaves the first call's status. The common case is one statement
 * (the database function release_reservation, migration 013); when fans wait for the places, or the
 * reservation was closed already, it runs in a transaction that also offers them to the waiting list.
 */
export async function releaseInventory(pool: Pool, cmd: ReleaseCommand): Promise<ReleaseResult> {
  const quick = await callRelease(pool, cmd, true);
  if (quick.outcome === 'RELEASED') return released(quick, []);
  return withTransaction(pool, async (db) => {
    const result = await releaseInTransaction(db, cmd);
    if (!result) throw new Error(`reservation ${cmd.reservationId} does not exist`);
    return result;
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

type ReleaseAnswer =
  | { outcome: 'MISSING' | 'FANS_WAITING' }
  | { outcome: 'SOLD'; status: string }
  | { outcome: 'REPEATED'; event_id: string }
  | { outcome: 'RELEASED'; event_id: string; released_seats: Array<{ seat_id: string; section_id: string }>; released_ga: ReleasedGa[]; view: ReservationView };

async function callRelease(db: Queryable, cmd: ReleaseCommand, unlessFansWait: boolean): Promise<ReleaseAnswer> {
  const { rows } = await db.query<{ answer: ReleaseAnswer }>({
    name: 'release_reservation',
    text: 'SELECT release_reservation($1, $2, $3, $4, $5) AS answer',
    values: [cmd.reservationId, cmd.status, cmd.reason, cmd.actor, unlessFansWait],
  });
  return rows[0]!.answer;
}

function released(answer: Extract<ReleaseAnswer, { outcome: 'RELEASED' }>, offers: WaitlistOffer[]): ReleaseResult {
  return {
    view: answer.view,
    releasedSeats: answer.released_seats.map((s) => s.seat_id).sort(),
    releasedGa: answer.released_ga.map((g) => ({ section_id: g.section_id, quantity: g.quantity })),
    repeated: false,
    offers,
  };
}

async function releaseInTransaction(db: PoolClient, cmd: ReleaseCommand): Promise<ReleaseResult | null> {
  const answer = await callRelease(db, cmd, false);
  const source = `reservation:${cmd.reservationId}`;
  switch (answer.outcome) {
    case 'MISSING':
    case 'FANS_WAITING':
      return null;
    case 'SOLD':
      throw new Error(`reservation ${cmd.reservationId} is ${answer.status}; sold inventory is not released here`);
    case 'REPEATED': {
      const before = await loadReleased(db, cmd.reservationId);
      return {
        view: await requireReservationView(db, cmd.reservationId),
        releasedSeats: before.seats,
        releasedGa: before.ga,
        repeated: true,
        offers: await offersMadeAfter(db, source),
      };
    }
    case 'RELEASED': {
      // After the release's own locks (reservation, seats, GA counters), as the lock order wants.
      const sectionIds = [...new Set([...answer.released_seats.map((s) => s.section_id), ...answer.released_ga.map((g) => g.section_id)])];
      return released(answer, await offerFreedPlaces(db, { eventId: answer.event_id, sectionIds, source }));
    }
  }
}
