import type { Pool } from 'pg';
import { withTransaction } from '../db/transaction';
import { AppError } from '../domain/errors';
import type { ReservationView } from '../domain/reservation';
import { appendAudit } from './audit';
import { expectRows, lockOwnedHold, lockReservation } from './locks';
import { requireReservationView } from './reservation-view';

export interface ExtendCommand {
  reservationId: string;
  heldUntil: Date;
  /** Why the deadline moves: a buyer's extension counts against the limit, a payment's grace does not. */
  kind: 'EXTENSION' | 'PAYMENT_GRACE';
}

/**
 * Moves the hold's deadline on every row this reservation still holds. If any row lapsed and went to
 * someone else, the hold is lost and nothing changes (HOLD_LOST, which the workflow turns into expiry).
 * Idempotent: setting the same deadline twice changes nothing more.
 */
export async function extendHold(pool: Pool, cmd: ExtendCommand): Promise<ReservationView> {
  return withTransaction(pool, async (db) => {
    const reservation = await lockReservation(db, cmd.reservationId);
    if (!reservation) throw new Error(`reservation ${cmd.reservationId} does not exist`);
    const current = await requireReservationView(db, cmd.reservationId);
    if (current.status !== 'HELD' && current.status !== 'PAYMENT_PENDING') {
      throw new AppError('RESERVATION_NOT_ACTIVE', `reservation is ${current.status}`);
    }
    const alreadyApplied = new Date(current.held_until).getTime() >= cmd.heldUntil.getTime();
    if (alreadyApplied) return current;
    await lockOwnedHold(db, current);
    const seats = await db.query(
      `UPDATE seats SET held_until = $2, version = version + 1 WHERE id = ANY($3::uuid[]) AND reservation_id = $1 AND status = 'HELD'`,
      [cmd.reservationId, cmd.heldUntil, current.seats.map((s) => s.seat_id)],
    );
    expectRows(seats.rowCount, current.seats.length, 'seats extended');
    const ga = await db.query(`UPDATE ga_holds SET held_until = $2 WHERE reservation_id = $1 AND status = 'HELD'`, [
      cmd.reservationId,
      cmd.heldUntil,
    ]);
    expectRows(ga.rowCount, current.ga.length, 'GA holds extended');
    const isExtension = cmd.kind === 'EXTENSION';
    await db.query(
      `UPDATE reservations
          SET held_until = $2, extensions_used = extensions_used + $3,
              status = CASE WHEN $4 THEN 'PAYMENT_PENDING' ELSE status END, updated_at = now()
        WHERE id = $1`,
      [cmd.reservationId, cmd.heldUntil, isExtension ? 1 : 0, !isExtension],
    );
    await appendAudit(
      db,
      'EXTEND',
      isExtension ? `user:${current.user_id}` : 'payment',
      [
        ...current.seats.map((s) => ({ eventId: current.event_id, reservationId: current.reservation_id, sectionId: s.section_id, seatId: s.seat_id, quantity: 1 })),
        ...current.ga.map((g) => ({ eventId: current.event_id, reservationId: current.reservation_id, sectionId: g.section_id, seatId: null, quantity: g.quantity })),
      ],
      `held until ${cmd.heldUntil.toISOString()} (${cmd.kind})`,
    );
    return requireReservationView(db, cmd.reservationId);
  });
}
