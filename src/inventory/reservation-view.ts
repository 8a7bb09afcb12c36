import type { Queryable } from '../db/transaction';
import type { ReleasedGa, ReservationView, ReservedGa, ReservedSeat } from '../domain/reservation';
import { ticketsOfOrders } from '../tickets/ticket-view';

interface ReservationRow {
  id: string;
  event_id: string;
  user_id: string;
  status: ReservationView['status'];
  held_until: Date;
  extensions_used: number;
  max_hold_extensions: number;
  payment_attempts: number;
  total_price_cents: number;
  release_reason: string | null;
  created_at: Date;
  updated_at: Date;
  order_id: string | null;
}

interface ItemRow {
  section_id: string;
  seat_id: string | null;
  quantity: number;
  price_cents: number;
  row_label: string | null;
  seat_number: number | null;
}

/** Reads a reservation in the contract's shape; null when there is none with that id. */
export async function loadReservationView(db: Queryable, reservationId: string): Promise<ReservationView | null> {
  const { rows } = await db.query<ReservationRow>(
    `SELECT r.id, r.event_id, r.user_id, r.status, r.held_until, r.extensions_used, r.max_hold_extensions,
            r.payment_attempts, r.total_price_cents, r.release_reason, r.created_at, r.updated_at, o.id AS order_id
       FROM reservations r LEFT JOIN orders o ON o.reservation_id = r.id
      WHERE r.id = $1`,
    [reservationId],
  );
  const row = rows[0];
  if (!row) return null;
  const items = await db.query<ItemRow>(
    `SELECT i.section_id, i.seat_id, i.quantity, i.price_cents, s.row_label, s.seat_number
       FROM reservation_items i LEFT JOIN seats s ON s.id = i.seat_id
      WHERE i.reservation_id = $1 ORDER BY i.position`,
    [reservationId],
  );
  const seats: ReservedSeat[] = [];
  const ga: ReservedGa[] = [];
  for (const item of items.rows) {
    if (item.seat_id) {
      seats.push({
        seat_id: item.seat_id,
        section_id: item.section_id,
        row: item.row_label ?? '',
        number: item.seat_number ?? 0,
        price_cents: item.price_cents,
      });
    } else {
      ga.push({ section_id: item.section_id, quantity: item.quantity, price_cents: item.price_cents });
    }
  }
  const tickets = row.order_id ? await ticketsOfOrders(db, [row.order_id]) : [];
  return {
    reservation_id: row.id,
    event_id: row.event_id,
    user_id: row.user_id,
    status: row.status,
    seats,
    ga,
    total_price_cents: row.total_price_cents,
    held_until: row.held_until.toISOString(),
    extensions_used: row.extensions_used,
    max_hold_extensions: row.max_hold_extensions,
    payment_attempts: row.payment_attempts,
    order_id: row.order_id,
    tickets,
    release_reason: row.release_reason,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

/** Whose reservation it is (null when there is none): what an action's access check needs, in one small read. */
export async function reservationOwner(db: Queryable, reservationId: string): Promise<string | null> {
  const { rows } = await db.query<{ user_id: string }>({ name: 'reservation_owner', text: 'SELECT user_id FROM reservations WHERE id = $1', values: [reservationId] });
  return rows[0]?.user_id ?? null;
}

export async function requireReservationView(db: Queryable, reservationId: string): Promise<ReservationView> {
  const view = await loadReservationView(db, reservationId);
  if (!view) throw new Error(`reservation ${reservationId} does not exist`);
  return view;
}

/**
 * What a closed reservation gave back when it was released, from the append-only audit log: the
 * seats, and the GA tickets per section. A place another hold had reclaimed before is not listed.
 */
export async function loadReleased(db: Queryable, reservationId: string): Promise<{ seats: string[]; ga: ReleasedGa[] }> {
  const { rows } = await db.query<{ section_id: string; seat_id: string | null; quantity: number }>(
    `SELECT section_id, seat_id, sum(quantity)::int AS quantity FROM inventory_audit_log
      WHERE reservation_id = $1 AND action = 'RELEASE'
      GROUP BY section_id, seat_id ORDER BY section_id, seat_id`,
    [reservationId],
  );
  return {
    seats: rows.flatMap((r) => (r.seat_id ? [r.seat_id] : [])).sort(),
    ga: rows.flatMap((r) => (r.seat_id ? [] : [{ section_id: r.section_id, quantity: r.quantity }])),
  };
}
