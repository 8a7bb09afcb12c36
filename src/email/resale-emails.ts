import type { Queryable } from '../db/transaction';
import { eventFacts, recipient, ticketFacts, withCode } from './email-facts';
import { enqueueEmail } from './outbox';

export interface ResaleEmails {
  /** The listing sold: both emails are keyed by it (a listing sells once). */
  listingId: string;
  /** The seller's ticket, now RESOLD. */
  soldTicketId: string;
  /** The ticket issued to the buyer. */
  newTicketId: string;
  /** What the buyer paid. */
  priceCents: number;
  /** What the seller is paid (the price less the fee). */
  payoutCents: number;
}

/**
 * Inside a resale purchase's transaction, once the buyer's ticket is issued: the seller is told it sold
 * and what they are paid, the buyer gets the new ticket's QR code.
 */
export async function enqueueResaleEmails(db: Queryable, cmd: ResaleEmails): Promise<void> {
  const [sold, bought] = await ticketFacts(db, [cmd.soldTicketId, cmd.newTicketId]);
  if (!sold || !bought) throw new Error(`resale of listing ${cmd.listingId}: a ticket is missing`);
  const event = await eventFacts(db, sold.eventId);
  await enqueueEmail(db, {
    kind: 'RESALE_SOLD',
    businessId: cmd.listingId,
    to: await recipient(db, sold.ownerId),
    data: { listingId: cmd.listingId, event, ticket: { ticketId: sold.ticketId, label: sold.label }, payoutCents: cmd.payoutCents },
  });
  await enqueueEmail(db, {
    kind: 'RESALE_BOUGHT',
    businessId: cmd.listingId,
    to: await recipient(db, bought.ownerId),
    data: { listingId: cmd.listingId, event, ticket: withCode(bought), priceCents: cmd.priceCents },
  });
}

/**
 * Inside an order's refund transaction, once the resale purchases it gives back are marked REFUNDING:
 * each of their buyers is told what comes back and that the ticket no longer opens the door. Keyed by
 * the purchase (a purchase is refunded once).
 */
export async function enqueueResaleRefundEmails(db: Queryable, cmd: { purchaseIds: string[]; eventCancelled: boolean }): Promise<void> {
  if (cmd.purchaseIds.length === 0) return;
  const { rows } = await db.query<{ purchase_id: string; buyer_id: string; amount_cents: number; ticket_id: string }>(
    `SELECT p.id AS purchase_id, p.buyer_id, p.amount_cents, l.new_ticket_id AS ticket_id
       FROM resale_purchases p JOIN resale_listings l ON l.purchase_id = p.id
      WHERE p.id = ANY($1::uuid[]) ORDER BY p.id`,
    [cmd.purchaseIds],
  );
  if (rows.length !== cmd.purchaseIds.length) throw new Error(`resale refund emails: ${cmd.purchaseIds.length - rows.length} purchase(s) sold no listing`);
  const tickets = await ticketFacts(db, rows.map((r) => r.ticket_id));
  const event = await eventFacts(db, tickets[0]!.eventId);
  for (const [i, row] of rows.entries()) {
    await enqueueEmail(db, {
      kind: 'RESALE_REFUNDED',
      businessId: row.purchase_id,
      to: await recipient(db, row.buyer_id),
      data: { purchaseId: row.purchase_id, event, ticket: { ticketId: tickets[i]!.ticketId, label: tickets[i]!.label }, amountCents: row.amount_cents, eventCancelled: cmd.eventCancelled },
    });
  }
}
