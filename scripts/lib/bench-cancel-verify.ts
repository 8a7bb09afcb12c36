/**
 * What PostgreSQL (and the simulated processor's ledger) say about a cancelled event: every order
 * refunded, every captured payment refunded exactly once, nothing left held or sold, and when each
 * step happened, from the rows' own timestamps rather than from polling.
 */
import type { Redis } from 'ioredis';
import type { Pool } from 'pg';

/** The event just before its cancellation: what the cancellation must undo. */
export interface BeforeCancel {
  confirmed_orders: number;
  live_reservations: number;
  live_tickets: number;
  captured_payments: number;
}

export interface AfterCancel {
  event_status: string;
  orders_by_status: Record<string, number>;
  reservations_by_status: Record<string, number>;
  payments_by_status: Record<string, number>;
  /** Captured payments (a SUCCEEDED in their trail) whose trail has not exactly one REFUNDED. */
  captured_not_refunded_once: number;
  /** Payments whose trail shows REFUNDING or REFUNDED more than once. */
  refunded_twice: number;
  /** Orders not REFUNDED, or whose payment is not. */
  orders_not_refunded: number;
  /** Refunded payments the processor's ledger has no refund for. */
  missing_at_processor: number;
  leftovers: { seats_held: number; seats_sold: number; ga_held: number; ga_sold: number; ga_holds_live: number; live_reservations: number; live_tickets: number };
  tickets_cancelled: number;
}

/** Milliseconds after the cancel request, from the rows' timestamps. */
export interface CancelTimings {
  holds_released_first_ms: number | null;
  holds_released_last_ms: number | null;
  refunds_started_first_ms: number | null;
  refunds_done_last_ms: number | null;
}

const one = async (pool: Pool, sql: string, args: unknown[]): Promise<number> => Number((await pool.query<{ n: string }>(sql, args)).rows[0]?.n ?? 0);

async function byStatus(pool: Pool, sql: string, eventId: string): Promise<Record<string, number>> {
  const { rows } = await pool.query<{ status: string; n: number }>(sql, [eventId]);
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
}

export async function beforeCancel(pool: Pool, eventId: string): Promise<BeforeCancel> {
  const [confirmed, live, tickets, captured] = await Promise.all([
    one(pool, `SELECT count(*) AS n FROM orders WHERE event_id = $1 AND status = 'CONFIRMED'`, [eventId]),
    one(pool, `SELECT count(*) AS n FROM reservations WHERE event_id = $1 AND status IN ('HELD', 'PAYMENT_PENDING')`, [eventId]),
    one(pool, `SELECT count(*) AS n FROM tickets WHERE event_id = $1 AND status IN ('ACTIVE', 'USED')`, [eventId]),
    one(pool, `SELECT count(*) AS n FROM payments p JOIN reservations r ON r.id = p.reservation_id WHERE r.event_id = $1 AND p.status = 'SUCCEEDED'`, [eventId]),
  ]);
  return { confirmed_orders: confirmed, live_reservations: live, live_tickets: tickets, captured_payments: captured };
}

/** The trail (payment_events) is written by a trigger on every status change, so it counts refunds whatever code path made them. */
const PAYMENT_TRAILS = `
  SELECT p.id, p.status, p.provider_payment_id,
         count(*) FILTER (WHERE e.status = 'SUCCEEDED') AS captured,
         count(*) FILTER (WHERE e.status = 'REFUNDING') AS refunding,
         count(*) FILTER (WHERE e.status = 'REFUNDED') AS refunded
    FROM payments p JOIN reservations r ON r.id = p.reservation_id JOIN payment_events e ON e.payment_id = p.id
   WHERE r.event_id = $1
   GROUP BY p.id, p.status, p.provider_payment_id`;

export async function afterCancel(pool: Pool, redis: Redis, eventId: string): Promise<AfterCancel> {
  const trails = (await pool.query<{ id: string; status: string; provider_payment_id: string | null; captured: string; refunding: string; refunded: string }>(PAYMENT_TRAILS, [eventId])).rows;
  const refundedIds = trails.filter((t) => t.status === 'REFUNDED' && t.provider_payment_id).map((t) => t.provider_payment_id as string);
  const atProcessor = refundedIds.length === 0 ? [] : ((await redis.pipeline(refundedIds.map((id) => ['exists', `simpay:refund:${id}`])).exec()) ?? []);
  const count = (sql: string): Promise<number> => one(pool, sql, [eventId]);
  const [event, ordersNotRefunded, seatsHeld, seatsSold, ga, gaHoldsLive, liveReservations, liveTickets, cancelledTickets] = await Promise.all([
    pool.query<{ status: string }>('SELECT status FROM events WHERE id = $1', [eventId]),
    count(`SELECT count(*) AS n FROM orders o JOIN payments p ON p.id = o.payment_id WHERE o.event_id = $1 AND (o.status <> 'REFUNDED' OR p.status <> 'REFUNDED')`),
    count(`SELECT count(*) AS n FROM seats WHERE event_id = $1 AND status = 'HELD'`),
    count(`SELECT count(*) AS n FROM seats WHERE event_id = $1 AND status = 'SOLD'`),
    pool.query<{ held: number; sold: number }>('SELECT coalesce(sum(held), 0)::int AS held, coalesce(sum(sold), 0)::int AS sold FROM ga_inventory WHERE event_id = $1', [eventId]),
    count(`SELECT count(*) AS n FROM ga_holds WHERE event_id = $1 AND status IN ('HELD', 'SOLD')`),
    count(`SELECT count(*) AS n FROM reservations WHERE event_id = $1 AND status IN ('HELD', 'PAYMENT_PENDING')`),
    count(`SELECT count(*) AS n FROM tickets WHERE event_id = $1 AND status IN ('ACTIVE', 'USED')`),
    count(`SELECT count(*) AS n FROM tickets WHERE event_id = $1 AND status = 'CANCELLED'`),
  ]);
  return {
    event_status: event.rows[0]?.status ?? 'MISSING',
    orders_by_status: await byStatus(pool, 'SELECT status, count(*)::int AS n FROM orders WHERE event_id = $1 GROUP BY status ORDER BY status', eventId),
    reservations_by_status: await byStatus(pool, 'SELECT status, count(*)::int AS n FROM reservations WHERE event_id = $1 GROUP BY status ORDER BY status', eventId),
    payments_by_status: await byStatus(
      pool,
      'SELECT p.status, count(*)::int AS n FROM payments p JOIN reservations r ON r.id = p.reservation_id WHERE r.event_id = $1 GROUP BY p.status ORDER BY p.status',
      eventId,
    ),
    captured_not_refunded_once: trails.filter((t) => Number(t.captured) > 0 && Number(t.refunded) !== 1).length,
    refunded_twice: trails.filter((t) => Number(t.refunding) > 1 || Number(t.refunded) > 1).length,
    orders_not_refunded: ordersNotRefunded,
    missing_at_processor: atProcessor.filter(([err, exists]) => err || exists !== 1).length,
    leftovers: {
      seats_held: seatsHeld,
      seats_sold: seatsSold,
      ga_held: ga.rows[0]?.held ?? 0,
      ga_sold: ga.rows[0]?.sold ?? 0,
      ga_holds_live: gaHoldsLive,
      live_reservations: liveReservations,
      live_tickets: liveTickets,
    },
    tickets_cancelled: cancelledTickets,
  };
}

export async function cancelTimings(pool: Pool, eventId: string, requestedAt: Date): Promise<CancelTimings> {
  const { rows } = await pool.query<{ [K in keyof CancelTimings]: number | null }>(
    `SELECT (SELECT extract(epoch FROM min(released_at) - $2::timestamptz) * 1000 FROM reservations WHERE event_id = $1 AND status = 'CANCELLED')::float8 AS holds_released_first_ms,
            (SELECT extract(epoch FROM max(released_at) - $2::timestamptz) * 1000 FROM reservations WHERE event_id = $1 AND status = 'CANCELLED')::float8 AS holds_released_last_ms,
            (SELECT extract(epoch FROM min(refund_requested_at) - $2::timestamptz) * 1000 FROM orders WHERE event_id = $1)::float8 AS refunds_started_first_ms,
            (SELECT extract(epoch FROM max(refunded_at) - $2::timestamptz) * 1000 FROM orders WHERE event_id = $1)::float8 AS refunds_done_last_ms`,
    [eventId, requestedAt],
  );
  const r = rows[0];
  const ms = (v: number | null | undefined): number | null => (v === null || v === undefined ? null : Math.round(v));
  return {
    holds_released_first_ms: ms(r?.holds_released_first_ms),
    holds_released_last_ms: ms(r?.holds_released_last_ms),
    refunds_started_first_ms: ms(r?.refunds_started_first_ms),
    refunds_done_last_ms: ms(r?.refunds_done_last_ms),
  };
}
