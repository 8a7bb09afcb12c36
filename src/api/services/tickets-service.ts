import { AppError } from '../../domain/errors';
import { EMAILS_WAIT_IN_OUTBOX } from '../../email/email-starter';
import { tellListingsClosed } from '../../resale/listing-workflows';
import { scanTicketAtDoor } from '../../tickets/scan-ticket';
import { ticketSigner } from '../../tickets/ticket-keys';
import { loadTicket, ticketsOfOwner, type TicketView } from '../../tickets/ticket-view';
import { transferTicket } from '../../tickets/transfer-ticket';
import type { AuthUser } from '../../users/auth-user';
import type { ApiDeps } from '../deps';

/** The owner's ticket, or any ticket for an admin; anyone else is told it does not exist. */
export async function getTicket(deps: ApiDeps, user: AuthUser, ticketId: string): Promise<TicketView> {
  const ticket = await loadTicket(deps.pool, ticketId);
  if (!ticket || (ticket.owner_id !== user.id && user.role !== 'admin')) throw new AppError('NOT_FOUND', 'ticket not found');
  return ticket;
}

export function listMyTickets(deps: ApiDeps, user: AuthUser, limit: number): Promise<TicketView[]> {
  return ticketsOfOwner(deps.pool, user.id, limit);
}

/**
 * A scanner account works one event's door: it must say which (event_id), and admits that event's
 * tickets only. An admin may scan without naming one (any event's ticket). A resale listing the scan
 * withdrew has its workflow told at once (if that fails the listing is closed all the same:
 * PostgreSQL refuses its sale, and its workflow ends at the event's start).
 */
export async function validateTicket(deps: ApiDeps, scanner: AuthUser, code: string, eventId: string | undefined): Promise<TicketView> {
  if (!eventId && scanner.role !== 'admin') {
    throw new AppError('VALIDATION_ERROR', "a scanner must say which event's door it is at", {
      details: [{ field: 'event_id', message: 'required for the scanner role: the event whose door this is' }],
    });
  }
  const { ticket, withdrawnListingId } = await scanTicketAtDoor(deps.pool, deps.ticketKeys.verifying, {
    code,
    scannerId: scanner.id,
    eventId: eventId ?? null,
  });
  if (withdrawnListingId) await tellListingsClosed(deps.temporal, [withdrawnListingId], 'SCANNED').catch(() => undefined);
  return ticket;
}

export function transferMyTicket(deps: ApiDeps, user: AuthUser, ticketId: string, toEmail: string): Promise<TicketView> {
  const emails = deps.emails ?? EMAILS_WAIT_IN_OUTBOX;
  return emails.after(() => transferTicket(deps.pool, ticketSigner(deps.ticketKeys), { ticketId, requester: user, toEmail }));
}
