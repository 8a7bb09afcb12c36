import type { Queryable } from '../db/transaction';
import { eventFacts, recipient, ticketFacts, withCode } from './email-facts';
import { enqueueEmail } from './outbox';

/**
 * Inside the transfer's transaction, once the new ticket is issued: the giver learns their code no
 * longer works, the recipient gets the new ticket's QR code. Keyed by the ticket given (a ticket is
 * passed on once) and the ticket received.
 */
export async function enqueueTransferEmails(db: Queryable, cmd: { fromTicketId: string; toTicketId: string }): Promise<void> {
  const [given, received] = await ticketFacts(db, [cmd.fromTicketId, cmd.toTicketId]);
  if (!given || !received) throw new Error(`transfer ${cmd.fromTicketId} -> ${cmd.toTicketId}: a ticket is missing`);
  const event = await eventFacts(db, given.eventId);
  const [giver, taker] = [await recipient(db, given.ownerId), await recipient(db, received.ownerId)];
  await enqueueEmail(db, {
    kind: 'TRANSFER_SENT',
    businessId: cmd.fromTicketId,
    to: giver,
    data: { event, ticket: { ticketId: given.ticketId, label: given.label }, toName: taker.name },
  });
  await enqueueEmail(db, {
    kind: 'TRANSFER_RECEIVED',
    businessId: cmd.toTicketId,
    to: taker,
    data: { event, ticket: withCode(received), fromName: giver.name },
  });
}
