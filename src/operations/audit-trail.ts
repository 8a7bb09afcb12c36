import type { Pool } from 'pg';

export interface AuditEntry {
  at: string;
  /** Which append-only log it comes from. */
  source: 'inventory' | 'ticket' | 'payment';
  action: string;
  actor: string;
  cause: string | null;
  reservation_id: string | null;
  seat_id: string | null;
  section_id: string | null;
  ticket_id: string | null;
  payment_id: string | null;
  quantity: number | null;
}

export type AuditSubject = { reservationId: string } | { orderId: string } | { seatId: string };

const ENTRY = `to_json(at) #>> '{}' AS at, source, action, actor, cause, reservation_id, seat_id, section_id, ticket_id, payment_id, quantity`;

const INVENTORY = `
  SELECT created_at AS at, 'inventory' AS source, action, actor, detail AS cause, reservation_id, seat_id, section_id,
         NULL::uuid AS ticket_id, NULL::uuid AS payment_id, quantity
    FROM inventory_audit_log`;
const TICKETS = `
  SELECT te.created_at AS at, 'ticket' AS source, te.action, te.actor, te.detail AS cause, o.reservation_id, t.seat_id, t.section_id,
         t.id AS ticket_id, NULL::uuid AS payment_id, 1 AS quantity
    FROM ticket_events te JOIN tickets t ON t.id = te.ticket_id JOIN orders o ON o.id = t.order_id`;
const PAYMENTS = `
  SELECT created_at AS at, 'payment' AS source, status AS action, 'payments' AS actor, detail AS cause, reservation_id,
         NULL::uuid AS seat_id, NULL::uuid AS section_id, NULL::uuid AS ticket_id, payment_id, NULL::int AS quantity
    FROM payment_events`;

/**
 * Every change to a reservation (or an order, which is its reservation's), or to a seat, from the
 * append-only logs: holds, extensions, releases, sales and refunds of inventory; tickets issued,
 * scanned, transferred and cancelled; every status a payment took. Oldest first.
 */
export async function auditTrail(pool: Pool, subject: AuditSubject): Promise<AuditEntry[]> {
  if ('seatId' in subject) {
    const { rows } = await pool.query<AuditEntry>(
      `SELECT ${ENTRY} FROM (${INVENTORY} WHERE seat_id = $1 UNION ALL ${TICKETS} WHERE t.seat_id = $1) e ORDER BY at, source`,
      [subject.seatId],
    );
    return rows;
  }
  const reservationId = 'orderId' in subject ? await reservationOfOrder(pool, subject.orderId) : subject.reservationId;
  if (!reservationId) return [];
  const { rows } = await pool.query<AuditEntry>(
    `SELECT ${ENTRY} FROM (${INVENTORY} WHERE reservation_id = $1 UNION ALL ${TICKETS} WHERE o.reservation_id = $1
                            UNION ALL ${PAYMENTS} WHERE reservation_id = $1) e ORDER BY at, source`,
    [reservationId],
  );
  return rows;
}

async function reservationOfOrder(pool: Pool, orderId: string): Promise<string | null> {
  const { rows } = await pool.query<{ reservation_id: string }>('SELECT reservation_id FROM orders WHERE id = $1', [orderId]);
  return rows[0]?.reservation_id ?? null;
}
