import type { Queryable } from '../db/transaction';
import { eventFacts, recipient, ticketFacts, withCode } from './email-facts';
import { enqueueEmail } from './outbox';

/** Inside the sale's transaction: the buyer's confirmation, with the QR code of every ticket the order issued. */
export async function enqueueOrderConfirmedEmail(db: Queryable, orderId: string): Promise<void> {
  const { rows } = await db.query<{ user_id: string; event_id: string; total_cents: number }>(
    'SELECT user_id, event_id, total_cents FROM orders WHERE id = $1',
    [orderId],
  );
  const order = rows[0];
  if (!order) throw new Error(`order ${orderId} does not exist`);
  const issued = await db.query<{ id: string }>('SELECT id FROM tickets WHERE order_id = $1 AND transferred_from IS NULL ORDER BY place_number', [orderId]);
  const tickets = await ticketFacts(db, issued.rows.map((r) => r.id));
  await enqueueEmail(db, {
    kind: 'ORDER_CONFIRMED',
    businessId: orderId,
    to: await recipient(db, order.user_id),
    data: { orderId, event: await eventFacts(db, order.event_id), totalCents: order.total_cents, tickets: tickets.map(withCode) },
  });
}

/**
 * Inside the refund's first transaction, once the order's tickets are cancelled: the buyer is told the
 * money is on its way back. If the refund is the event's cancellation reaching this order, each fan
 * whose tickets it voided (the buyer, and whoever holds a ticket passed on to them) is told the event
 * is off: one email per fan and event, however many orders they had.
 */
export async function enqueueRefundEmails(db: Queryable, cmd: { orderId: string; cancelledTicketIds: string[] }): Promise<void> {
  // What goes back to the order's buyer: the payment less the face value of places they resold (kept_cents).
  const { rows } = await db.query<{ user_id: string; event_id: string; back_cents: number; event_status: string }>(
    `SELECT o.user_id, o.event_id, (p.amount_cents - p.kept_cents) AS back_cents, e.status AS event_status
       FROM orders o JOIN events e ON e.id = o.event_id JOIN payments p ON p.id = o.payment_id WHERE o.id = $1`,
    [cmd.orderId],
  );
  const order = rows[0];
  if (!order) throw new Error(`order ${cmd.orderId} does not exist`);
  const event = await eventFacts(db, order.event_id);
  const eventCancelled = order.event_status === 'CANCELLED';
  const cancelled = await ticketFacts(db, cmd.cancelledTicketIds);
  // A buyer who resold every place gets nothing back: there is no refund to tell them of.
  if (order.back_cents > 0) {
    await enqueueEmail(db, {
      kind: 'ORDER_REFUNDED',
      businessId: cmd.orderId,
      to: await recipient(db, order.user_id),
      data: { orderId: cmd.orderId, event, amountCents: order.back_cents, ticketCount: cancelled.length, eventCancelled },
    });
  }
  if (!eventCancelled) return;
  const holders = new Map<string, number>([[order.user_id, 0]]);
  for (const ticket of cancelled) holders.set(ticket.ownerId, (holders.get(ticket.ownerId) ?? 0) + 1);
  for (const [userId, ticketCount] of [...holders].sort(([a], [b]) => a.localeCompare(b))) {
    await enqueueEmail(db, {
      kind: 'EVENT_CANCELLED',
      businessId: `${order.event_id}:${userId}`,
      to: await recipient(db, userId),
      data: { event, ticketCount },
    });
  }
}
