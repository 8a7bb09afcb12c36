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
