import type { Queryable } from '../db/transaction';
import { decodeCursor, encodeCursor } from '../db/keyset-cursor';
import { ticketsOfOrders, type TicketView } from '../tickets/ticket-view';

export type OrderStatus = 'CONFIRMED' | 'REFUNDING' | 'REFUNDED';

export interface OrderView {
  order_id: string;
  reservation_id: string;
  event_id: string;
  user_id: string;
  status: OrderStatus;
  total_cents: number;
  created_at: string;
  refunded_at: string | null;
  event: { id: string; name: string; starts_at: string; venue_name: string; city: string };
  tickets: TicketView[];
}

interface OrderRow {
  order_id: string;
  reservation_id: string;
  event_id: string;
  user_id: string;
  status: OrderStatus;
  total_cents: number;
  created_at: string;
  refunded_at: string | null;
  event_name: string;
  starts_at: string;
  venue_name: string;
  city: string;
}

const ORDER_SELECT = `
  SELECT o.id AS order_id, o.reservation_id, o.event_id, o.user_id, o.status, o.total_cents,
         to_json(o.created_at) #>> '{}' AS created_at, to_json(o.refunded_at) #>> '{}' AS refunded_at,
         e.name AS event_name, to_json(e.starts_at) #>> '{}' AS starts_at, v.name AS venue_name, v.city
    FROM orders o JOIN events e ON e.id = o.event_id JOIN venues v ON v.id = e.venue_id`;

export async function loadOrder(db: Queryable, orderId: string): Promise<OrderView | null> {
  const { rows } = await db.query<OrderRow>(`${ORDER_SELECT} WHERE o.id = $1`, [orderId]);
  const row = rows[0];
  if (!row) return null;
  return toView(row, await ticketsOfOrders(db, [row.order_id]));
}

/** A buyer's orders, newest first, a page at a time (keyset over created_at, id). */
export async function listOrders(
  db: Queryable,
  userId: string,
  page: { limit: number; cursor?: string | undefined },
): Promise<{ orders: OrderView[]; next_cursor: string | null }> {
  const after = page.cursor === undefined ? null : decodeCursor(page.cursor);
  const { rows } = await db.query<OrderRow>(
    `${ORDER_SELECT}
      WHERE o.user_id = $1 AND ($2::timestamptz IS NULL OR (o.created_at, o.id) < ($2::timestamptz, $3::uuid))
      ORDER BY o.created_at DESC, o.id DESC
      LIMIT $4`,
    [userId, after?.at ?? null, after?.id ?? null, page.limit + 1],
  );
  const pageRows = rows.slice(0, page.limit);
  const tickets = await ticketsOfOrders(db, pageRows.map((r) => r.order_id));
  const last = pageRows[pageRows.length - 1];
  return {
    orders: pageRows.map((row) => toView(row, tickets.filter((t) => t.order_id === row.order_id))),
    next_cursor: rows.length > page.limit && last ? encodeCursor({ at: last.created_at, id: last.order_id }) : null,
  };
}

function toView(row: OrderRow, tickets: TicketView[]): OrderView {
  return {
    order_id: row.order_id,
    reservation_id: row.reservation_id,
    event_id: row.event_id,
    user_id: row.user_id,
    status: row.status,
    total_cents: row.total_cents,
    created_at: iso(row.created_at),
    refunded_at: row.refunded_at && iso(row.refunded_at),
    event: { id: row.event_id, name: row.event_name, starts_at: iso(row.starts_at), venue_name: row.venue_name, city: row.city },
    tickets,
  };
}

/** ISO-8601 in UTC, as every timestamp of the API (PostgreSQL printed it in the session's zone). */
function iso(timestamp: string): string {
  return new Date(timestamp).toISOString();
}
