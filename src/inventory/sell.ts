import type { Pool, PoolClient } from 'pg';
import { withTransaction } from '../db/transaction';
import type { ReservationView } from '../domain/reservation';
import { appendAudit } from './audit';
import { assertStillHeld } from './extend';
import { lockReservation } from './release';
import { requireReservationView } from './reservation-view';

export interface SellCommand {
  reservationId: string;
  paymentId: string;
  /** Builds a ticket's QR payload; injected so a later signed-QR scheme needs no change here. */
  qrCodeFor?: (ticketId: string, eventId: string) => string;
}

/**
 * Turns a paid hold into an order with tickets, in one transaction. Sells only rows that are still
 * this reservation's; if any lapsed to someone else, nothing is sold (HOLD_LOST) and the workflow
 * refunds. A retry after a lost reply finds the order already made and returns it.
 */
export async function sellInventory(pool: Pool, cmd: SellCommand): Promise<ReservationView> {
  return withTransaction(pool, async (db) => {
    const reservation = await lockReservation(db, cmd.reservationId);
    if (!reservation) throw new Error(`reservation ${cmd.reservationId} does not exist`);
    const view = await requireReservationView(db, cmd.reservationId);
    if (view.status === 'CONFIRMED') return view;
    if (view.status !== 'HELD' && view.status !== 'PAYMENT_PENDING') {
      throw new Error(`reservation ${cmd.reservationId} is ${view.status} and cannot be sold`);
    }
    await assertStillHeld(db, view);
    const seats = await db.query<{ id: string; section_id: string }>(
      `UPDATE seats SET status = 'SOLD', held_until = NULL, version = version + 1
        WHERE id IN (SELECT id FROM seats WHERE reservation_id = $1 AND status = 'HELD' ORDER BY id FOR UPDATE)
        RETURNING id, section_id`,
      [cmd.reservationId],
    );
    await sellGa(db, view);
    const order = await db.query<{ id: string }>(
      `INSERT INTO orders (reservation_id, user_id, event_id, payment_id, total_cents)
       VALUES ($1, $2, $3, $4, $5) RETURNING id`,
      [view.reservation_id, view.user_id, view.event_id, cmd.paymentId, view.total_price_cents],
    );
    const orderId = order.rows[0]?.id;
    if (!orderId) throw new Error('order insert returned no id');
    await issueTickets(db, orderId, view, cmd.qrCodeFor ?? defaultQrCode);
    await db.query(
      `UPDATE reservations SET status = 'CONFIRMED', confirmed_at = now(), updated_at = now() WHERE id = $1`,
      [view.reservation_id],
    );
    await appendAudit(
      db,
      'SELL',
      `user:${view.user_id}`,
      [
        ...seats.rows.map((s) => ({ eventId: view.event_id, reservationId: view.reservation_id, sectionId: s.section_id, seatId: s.id, quantity: 1 })),
        ...view.ga.map((g) => ({ eventId: view.event_id, reservationId: view.reservation_id, sectionId: g.section_id, seatId: null, quantity: g.quantity })),
      ],
      `order ${orderId}`,
    );
    return requireReservationView(db, view.reservation_id);
  });
}

async function sellGa(db: PoolClient, view: ReservationView): Promise<void> {
  for (const ga of [...view.ga].sort((a, b) => a.section_id.localeCompare(b.section_id))) {
    await db.query(
      `UPDATE ga_inventory SET held = held - $3, sold = sold + $3 WHERE event_id = $1 AND section_id = $2`,
      [view.event_id, ga.section_id, ga.quantity],
    );
    await db.query(`UPDATE ga_holds SET status = 'SOLD' WHERE reservation_id = $1 AND section_id = $2`, [
      view.reservation_id,
      ga.section_id,
    ]);
  }
}

async function issueTickets(
  db: PoolClient,
  orderId: string,
  view: ReservationView,
  qrCodeFor: (ticketId: string, eventId: string) => string,
): Promise<void> {
  const lines: Array<{ sectionId: string; seatId: string | null }> = [
    ...view.seats.map((s) => ({ sectionId: s.section_id, seatId: s.seat_id })),
    ...view.ga.flatMap((g) => Array.from({ length: g.quantity }, () => ({ sectionId: g.section_id, seatId: null }))),
  ];
  const ids = await db.query<{ id: string }>('SELECT gen_random_uuid() AS id FROM generate_series(1, $1)', [lines.length]);
  const ticketIds = ids.rows.map((r) => r.id);
  await db.query(
    `INSERT INTO tickets (id, order_id, event_id, section_id, seat_id, owner_id, qr_code)
     SELECT t.id, $1, $2, t.section_id, t.seat_id, $3, t.qr_code
       FROM unnest($4::uuid[], $5::uuid[], $6::uuid[], $7::text[]) AS t(id, section_id, seat_id, qr_code)`,
    [
      orderId,
      view.event_id,
      view.user_id,
      ticketIds,
      lines.map((l) => l.sectionId),
      lines.map((l) => l.seatId),
      ticketIds.map((id) => qrCodeFor(id, view.event_id)),
    ],
  );
}

/** Plain ticket reference until signed QR codes land; it names the ticket and nothing secret. */
function defaultQrCode(ticketId: string, eventId: string): string {
  return `TKT1.${eventId}.${ticketId}`;
}
