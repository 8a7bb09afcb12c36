import type { Pool, PoolClient } from 'pg';
import { withTransaction } from '../db/transaction';
import { AppError } from '../domain/errors';
import { enqueueRefundEmails } from '../email/order-emails';
import { enqueueResaleRefundEmails } from '../email/resale-emails';
import { appendAudit } from '../inventory/audit';
import { lockReservation } from '../inventory/locks';
import { withdrawListingsOfOrder } from '../resale/close-listing';
import { markPurchasesRefunding, purchasesRefundedWithOrder, refundOfResoldPlaces } from '../resale/refund-of-resold-places';
import { recordTicketEvents } from '../tickets/issue-tickets';
import { offerFreedPlaces, offersMadeAfter, type WaitlistOffer } from '../waitlist/offer-places';
import type { OrderStatus } from './orders-repository';

export interface RefundStart {
  orderId: string;
  eventId: string;
  /** The money to give back (the order's payment). */
  paymentId: string;
  status: OrderStatus;
  /** What this call put back on sale (nothing when the refund had already started). */
  seatsReleased: string[];
  gaReleased: Array<{ section_id: string; quantity: number }>;
  /** Holds the returned places became for fans on the waiting lists (a repeated call: those the first made). */
  offers: WaitlistOffer[];
  /** The last resale purchase of each place sold on resale: refunded in full to its buyer (docs/money.md). */
  resalePurchaseIds: string[];
  /** Resale listings of the order the refund withdrew (their workflows are told). */
  withdrawnListingIds: string[];
}

/**
 * The first step of an order's refund, in one transaction: the order leaves CONFIRMED (so its payment
 * may now be refunded), every ticket of the order stops opening the door, the seats and GA places go
 * back on sale, its open resale listings are withdrawn, and the reservation reads REFUNDED. Places
 * sold on resale are refunded to their last buyer: their face value stays with the order's payment
 * (`kept_cents`) and their last purchase is marked for a refund. Locks in the inventory's order
 * (src/inventory/locks.ts): the order and its reservation, then seats by id, then GA counters by
 * section, then the payment, then the order's tickets, listings and resale purchases; every write is
 * compared with the rows it was meant to change. A transfer or a resale of one of the tickets takes
 * the order's row first too, so it either committed before this read the tickets or waits and then
 * finds its ticket cancelled. Idempotent: a refund already under way or done is answered as it is.
 */
export async function beginOrderRefund(pool: Pool, cmd: { orderId: string; actor: string; reason: string }): Promise<RefundStart> {
  return withTransaction(pool, async (db) => {
    const { rows } = await db.query<{ status: OrderStatus; payment_id: string; reservation_id: string; event_id: string }>(
      'SELECT status, payment_id, reservation_id, event_id FROM orders WHERE id = $1 FOR UPDATE',
      [cmd.orderId],
    );
    const order = rows[0];
    if (!order) throw new AppError('NOT_FOUND', 'order not found');
    const source = `order:${cmd.orderId}`;
    const start = { orderId: cmd.orderId, eventId: order.event_id, paymentId: order.payment_id, status: order.status, seatsReleased: [], gaReleased: [], offers: [] };
    const listingReason = cmd.reason.startsWith('event cancelled') ? 'EVENT_CANCELLED' : 'ORDER_REFUNDED';
    if (order.status !== 'CONFIRMED') {
      return {
        ...start,
        offers: await offersMadeAfter(db, source),
        resalePurchaseIds: await purchasesRefundedWithOrder(db, cmd.orderId),
        withdrawnListingIds: await withdrawListingsOfOrder(db, cmd.orderId, listingReason),
      };
    }

    await lockReservation(db, order.reservation_id);
    const resold = await refundOfResoldPlaces(db, cmd.orderId);
    const seatsReleased = await returnSeats(db, order.reservation_id);
    const gaReleased = await returnGa(db, order.reservation_id, order.event_id);
    await keepResoldPart(db, order.payment_id, resold.keptCents);
    const cancelled = await cancelUsableTickets(db, cmd.orderId, order.reservation_id);
    await recordTicketEvents(db, cancelled, 'CANCELLED', cmd.actor, `order refunded: ${cmd.reason}`);
    const withdrawnListingIds = await withdrawListingsOfOrder(db, cmd.orderId, listingReason);
    await db.query(`UPDATE orders SET status = 'REFUNDING', refund_requested_at = now(), refund_reason = $2 WHERE id = $1`, [cmd.orderId, cmd.reason]);
    await markPurchasesRefunding(db, resold.purchaseIds);
    await db.query(`UPDATE reservations SET status = 'REFUNDED', updated_at = now() WHERE id = $1`, [order.reservation_id]);
    await appendAudit(
      db,
      'REFUND',
      cmd.actor,
      [
        ...seatsReleased.map((s) => ({ eventId: order.event_id, reservationId: order.reservation_id, sectionId: s.section_id, seatId: s.id, quantity: 1 })),
        ...gaReleased.map((g) => ({ eventId: order.event_id, reservationId: order.reservation_id, sectionId: g.section_id, seatId: null, quantity: g.quantity })),
      ],
      `order ${cmd.orderId}: ${cmd.reason}`,
    );
    // After the refund's own locks (order, reservation, seats, GA counters), as the lock order wants.
    const offers = await offerFreedPlaces(db, {
      eventId: order.event_id,
      sectionIds: [...new Set([...seatsReleased.map((s) => s.section_id), ...gaReleased.map((g) => g.section_id)])],
      source,
    });
    await enqueueRefundEmails(db, { orderId: cmd.orderId, cancelledTicketIds: cancelled });
    await enqueueResaleRefundEmails(db, { purchaseIds: resold.purchaseIds, eventCancelled: listingReason === 'EVENT_CANCELLED' });
    return {
      ...start,
      status: 'REFUNDING',
      seatsReleased: seatsReleased.map((s) => s.id),
      gaReleased,
      offers,
      resalePurchaseIds: resold.purchaseIds,
      withdrawnListingIds,
    };
  });
}

/** The face value of places resold stays a sale of the order's payment; the rest of it goes back. */
async function keepResoldPart(db: PoolClient, paymentId: string, keptCents: number): Promise<void> {
  if (keptCents === 0) return;
  const kept = await db.query(`UPDATE payments SET kept_cents = $2 WHERE id = $1 AND status = 'SUCCEEDED' AND amount_cents >= $2`, [paymentId, keptCents]);
  expectReturned(kept.rowCount, 1, 'payment keeping the face value of resold places');
}

/** The last step: the money is back (the order's payment, and each resale purchase it gives back), so the order reads REFUNDED. Idempotent. */
export async function completeOrderRefund(pool: Pool, orderId: string): Promise<OrderStatus> {
  const { rows } = await pool.query<{ status: OrderStatus }>(
    `UPDATE orders o SET status = 'REFUNDED', refunded_at = now()
      WHERE o.id = $1 AND o.status = 'REFUNDING'
        AND EXISTS (SELECT 1 FROM payments p WHERE p.id = o.payment_id AND p.status = 'REFUNDED')
        AND NOT EXISTS (SELECT 1 FROM resale_listings l JOIN resale_purchases rp ON rp.id = l.purchase_id
                         WHERE l.order_id = o.id AND rp.status = 'REFUNDING')
      RETURNING o.status`,
    [orderId],
  );
  if (rows[0]) return rows[0].status;
  const current = await pool.query<{ status: OrderStatus }>('SELECT status FROM orders WHERE id = $1', [orderId]);
  const status = current.rows[0]?.status;
  if (status !== 'REFUNDED') throw new Error(`order ${orderId} is ${status ?? 'missing'}; its payment is not refunded yet`);
  return status;
}

/**
 * Every ticket of the order that opens the door, cancelled: one per place the order bought (each sold
 * place has exactly one, whoever holds it after transfers), locked in id order and counted under the
 * order's lock, which every writer of the order's tickets but the door takes first (the door only
 * turns ACTIVE into USED, and both are cancelled here).
 */
async function cancelUsableTickets(db: PoolClient, orderId: string, reservationId: string): Promise<string[]> {
  const places = await db.query<{ n: number }>('SELECT coalesce(sum(quantity), 0)::int AS n FROM reservation_items WHERE reservation_id = $1', [reservationId]);
  const usable = await db.query<{ id: string }>(
    `SELECT id FROM tickets WHERE order_id = $1 AND status IN ('ACTIVE', 'USED') ORDER BY id FOR UPDATE`,
    [orderId],
  );
  expectReturned(usable.rowCount, places.rows[0]?.n ?? 0, 'usable tickets, one per place bought');
  const ids = usable.rows.map((r) => r.id);
  const cancelled = await db.query(
    `UPDATE tickets SET status = 'CANCELLED', cancelled_at = now() WHERE id = ANY($1::uuid[]) AND status IN ('ACTIVE', 'USED')`,
    [ids],
  );
  expectReturned(cancelled.rowCount, ids.length, 'tickets cancelled');
  return ids;
}

/** The reservation's sold seats, back on sale: exactly the seats it bought. */
async function returnSeats(db: PoolClient, reservationId: string): Promise<Array<{ id: string; section_id: string }>> {
  const bought = await db.query<{ seat_id: string }>(
    'SELECT seat_id FROM reservation_items WHERE reservation_id = $1 AND seat_id IS NOT NULL ORDER BY seat_id',
    [reservationId],
  );
  const seatIds = bought.rows.map((r) => r.seat_id);
  if (seatIds.length === 0) return [];
  await db.query('SELECT 1 FROM seats WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE', [seatIds]);
  const returned = await db.query<{ id: string; section_id: string }>(
    `UPDATE seats SET status = 'AVAILABLE', reservation_id = NULL, version = version + 1
      WHERE id = ANY($1::uuid[]) AND reservation_id = $2 AND status = 'SOLD'
      RETURNING id, section_id`,
    [seatIds, reservationId],
  );
  expectReturned(returned.rowCount, seatIds.length, 'sold seats returned');
  return returned.rows;
}

/** The reservation's sold GA places, back on their counters. */
async function returnGa(db: PoolClient, reservationId: string, eventId: string): Promise<Array<{ section_id: string; quantity: number }>> {
  const sold = await db.query<{ section_id: string; quantity: number }>(
    `SELECT section_id, quantity FROM ga_holds WHERE reservation_id = $1 AND status = 'SOLD' ORDER BY section_id`,
    [reservationId],
  );
  for (const line of sold.rows) {
    await db.query('SELECT 1 FROM ga_inventory WHERE event_id = $1 AND section_id = $2 FOR UPDATE', [eventId, line.section_id]);
    const hold = await db.query(`UPDATE ga_holds SET status = 'RELEASED' WHERE reservation_id = $1 AND section_id = $2 AND status = 'SOLD'`, [
      reservationId,
      line.section_id,
    ]);
    expectReturned(hold.rowCount, 1, `GA sale of section ${line.section_id}`);
    const counter = await db.query('UPDATE ga_inventory SET sold = sold - $3 WHERE event_id = $1 AND section_id = $2 AND sold >= $3', [
      eventId,
      line.section_id,
      line.quantity,
    ]);
    expectReturned(counter.rowCount, 1, `GA counter of section ${line.section_id}`);
  }
  return sold.rows;
}

/**
 * Sold inventory that is not where the order says it is: nothing of the refund may stand, and the
 * step keeps failing (retried, visible in the workflow) until an operator has looked.
 */
function expectReturned(actual: number | null, expected: number, what: string): void {
  if (actual !== expected) throw new Error(`refund found the inventory inconsistent (${what}: ${actual ?? 0} of ${expected} rows)`);
}
