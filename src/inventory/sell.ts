import type { Pool, PoolClient } from 'pg';
import { withTransaction } from '../db/transaction';
import { enqueueOrderConfirmedEmail } from '../email/order-emails';
import { AppError } from '../domain/errors';
import type { ReservationView } from '../domain/reservation';
import { appendAudit } from './audit';
import { expectRows, lockOwnedHold, lockReservation } from './locks';
import { requireReservationView } from './reservation-view';
import { issueTickets, type TicketSigner } from '../tickets/issue-tickets';

export interface SellCommand {
  reservationId: string;
  paymentId: string;
  /** Signs each ticket's QR code with the platform's key. */
  signTicket: TicketSigner;
}

export interface SellResult {
  view: ReservationView;
  /** False when the reservation was already sold with another payment: that one pays, this one is refunded. */
  soldWithThisPayment: boolean;
  /** True when the sale had already been made (a retry): this call changed nothing. */
  alreadySold: boolean;
}

/**
 * Turns a paid hold into an order with tickets, in one transaction. Everything it changes is locked
 * first in the lock order and re-checked under the lock: the hold must still be this reservation's
 * (HOLD_LOST otherwise, and the workflow refunds), and the payment must be captured and not being
 * refunded. Every write is compared with the rows it was expected to change. A retry after a lost
 * reply finds the order already made and returns it.
 */
export async function sellInventory(pool: Pool, cmd: SellCommand): Promise<SellResult> {
  return withTransaction(pool, async (db) => {
    const reservation = await lockReservation(db, cmd.reservationId);
    if (!reservation) throw new Error(`reservation ${cmd.reservationId} does not exist`);
    const view = await requireReservationView(db, cmd.reservationId);
    if (view.status === 'CONFIRMED') return { view, soldWithThisPayment: await paysForOrder(db, view, cmd.paymentId), alreadySold: true };
    if (view.status !== 'HELD' && view.status !== 'PAYMENT_PENDING') {
      throw new AppError('RESERVATION_NOT_ACTIVE', `reservation is ${view.status} and cannot be sold`, { reservation_status: view.status });
    }
    await lockOwnedHold(db, view);
    await lockCapturedPayment(db, cmd);

    const seats = await db.query(
      `UPDATE seats SET status = 'SOLD', held_until = NULL, version = version + 1
        WHERE id = ANY($1::uuid[]) AND reservation_id = $2 AND status = 'HELD'`,
      [view.seats.map((s) => s.seat_id), view.reservation_id],
    );
    expectRows(seats.rowCount, view.seats.length, 'seats sold');
    await sellGa(db, view);
    const order = await db.query<{ id: string }>(
      `INSERT INTO orders (reservation_id, user_id, event_id, payment_id, total_cents)
       VALUES ($1, $2, $3, $4, $5) RETURNING id`,
      [view.reservation_id, view.user_id, view.event_id, cmd.paymentId, view.total_price_cents],
    );
    const orderId = order.rows[0]?.id;
    if (!orderId) throw new Error('order insert returned no id');
    await issueTickets(
      db,
      {
        orderId,
        eventId: view.event_id,
        ownerId: view.user_id,
        actor: `user:${view.user_id}`,
        lines: [
          ...view.seats.map((s) => ({ sectionId: s.section_id, seatId: s.seat_id, row: s.row, number: s.number })),
          ...view.ga.flatMap((g) => Array.from({ length: g.quantity }, () => ({ sectionId: g.section_id, seatId: null }))),
        ].map((line, index) => ({ ...line, placeNumber: index + 1 })),
      },
      cmd.signTicket,
    );
    await db.query(`UPDATE reservations SET status = 'CONFIRMED', confirmed_at = now(), updated_at = now() WHERE id = $1`, [
      view.reservation_id,
    ]);
    await appendAudit(
      db,
      'SELL',
      `user:${view.user_id}`,
      [
        ...view.seats.map((s) => ({ eventId: view.event_id, reservationId: view.reservation_id, sectionId: s.section_id, seatId: s.seat_id, quantity: 1 })),
        ...view.ga.map((g) => ({ eventId: view.event_id, reservationId: view.reservation_id, sectionId: g.section_id, seatId: null, quantity: g.quantity })),
      ],
      `order ${orderId}`,
    );
    await enqueueOrderConfirmedEmail(db, orderId);
    return { view: await requireReservationView(db, view.reservation_id), soldWithThisPayment: true, alreadySold: false };
  });
}

/** The payment must be this reservation's captured money; a refund decided meanwhile wins. */
async function lockCapturedPayment(db: PoolClient, cmd: SellCommand): Promise<void> {
  const { rows } = await db.query<{ status: string; reservation_id: string }>(
    'SELECT status, reservation_id FROM payments WHERE id = $1 FOR UPDATE',
    [cmd.paymentId],
  );
  const payment = rows[0];
  if (!payment || payment.reservation_id !== cmd.reservationId || payment.status !== 'SUCCEEDED') {
    throw new AppError('PAYMENT_NOT_CAPTURED', 'the payment is not captured money of this reservation', {
      payment_status: payment?.status ?? null,
    });
  }
}

async function paysForOrder(db: PoolClient, view: ReservationView, paymentId: string): Promise<boolean> {
  const { rows } = await db.query('SELECT 1 FROM orders WHERE id = $1 AND payment_id = $2', [view.order_id, paymentId]);
  return rows.length === 1;
}

async function sellGa(db: PoolClient, view: ReservationView): Promise<void> {
  for (const ga of [...view.ga].sort((a, b) => a.section_id.localeCompare(b.section_id))) {
    const hold = await db.query(
      `UPDATE ga_holds SET status = 'SOLD' WHERE reservation_id = $1 AND section_id = $2 AND status = 'HELD' AND quantity = $3`,
      [view.reservation_id, ga.section_id, ga.quantity],
    );
    expectRows(hold.rowCount, 1, `GA hold of section ${ga.section_id}`);
    const counter = await db.query(
      `UPDATE ga_inventory SET held = held - $3, sold = sold + $3 WHERE event_id = $1 AND section_id = $2 AND held >= $3`,
      [view.event_id, ga.section_id, ga.quantity],
    );
    expectRows(counter.rowCount, 1, `GA counter of section ${ga.section_id}`);
  }
}
