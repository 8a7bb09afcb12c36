import type { Pool } from 'pg';
import { AppError } from '../domain/errors';

/**
 * Marks the event cancelled: from this commit on, every new hold is refused (409 EVENT_NOT_ON_SALE),
 * by the API and by the hold's own transaction. Idempotent: the first cancellation's time and reason stand.
 */
export async function markEventCancelled(pool: Pool, cmd: { eventId: string; reason: string }): Promise<{ cancelledAt: string }> {
  const { rows } = await pool.query<{ cancelled_at: Date }>(
    `UPDATE events SET status = 'CANCELLED', cancelled_at = COALESCE(cancelled_at, now()),
            cancellation_reason = COALESCE(cancellation_reason, $2)
      WHERE id = $1 RETURNING cancelled_at`,
    [cmd.eventId, cmd.reason],
  );
  const row = rows[0];
  if (!row) throw new AppError('EVENT_NOT_FOUND', 'event not found', { event_id: cmd.eventId });
  return { cancelledAt: row.cancelled_at.toISOString() };
}

/** Reservations of the event that still hold inventory (a page of them, oldest first). */
export async function liveReservationsOf(pool: Pool, eventId: string, limit: number): Promise<string[]> {
  const { rows } = await pool.query<{ id: string }>(
    `SELECT id FROM reservations WHERE event_id = $1 AND status IN ('HELD', 'PAYMENT_PENDING') ORDER BY created_at, id LIMIT $2`,
    [eventId, limit],
  );
  return rows.map((r) => r.id);
}

/** Orders of the event still to refund (a page of them, oldest first), except those already being handled. */
export async function confirmedOrdersOf(pool: Pool, eventId: string, limit: number, excluding: string[]): Promise<string[]> {
  const { rows } = await pool.query<{ id: string }>(
    `SELECT id FROM orders WHERE event_id = $1 AND status = 'CONFIRMED' AND NOT (id = ANY($3::uuid[]))
      ORDER BY created_at, id LIMIT $2`,
    [eventId, limit, excluding],
  );
  return rows.map((r) => r.id);
}
