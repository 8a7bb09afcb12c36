import type { Pool, PoolClient } from 'pg';
import { withTransaction } from '../db/transaction';
import type { ReservationView } from '../domain/reservation';
import { appendAudit } from './audit';
import { requireReservationView } from './reservation-view';

export type ReleaseStatus = 'EXPIRED' | 'CANCELLED';

export interface ReleaseCommand {
  reservationId: string;
  status: ReleaseStatus;
  reason: string;
  actor: string;
}

export interface ReleaseResult {
  view: ReservationView;
  /** Seats and GA tickets this reservation still held and gave back (0 on a retried release). */
  released: number;
}

/**
 * Gives back whatever this reservation still holds and closes it. Touches only the reservation's own
 * rows, so a seat that lapsed and was taken by someone else stays theirs. Idempotent: a second call
 * finds nothing left to release and leaves the first call's status.
 */
export async function releaseInventory(pool: Pool, cmd: ReleaseCommand): Promise<ReleaseResult> {
  return withTransaction(pool, async (db) => {
    const reservation = await lockReservation(db, cmd.reservationId);
    if (!reservation) throw new Error(`reservation ${cmd.reservationId} does not exist`);
    if (reservation.status === 'EXPIRED' || reservation.status === 'CANCELLED') {
      return { view: await requireReservationView(db, cmd.reservationId), released: 0 };
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
    const released = seats.rows.length + ga.reduce((sum, g) => sum + g.quantity, 0);
    return { view: await requireReservationView(db, cmd.reservationId), released };
  });
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
