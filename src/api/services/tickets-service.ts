import { AppError } from '../../domain/errors';
import { EMAILS_WAIT_IN_OUTBOX } from '../../email/email-starter';
import { scanTicket } from '../../tickets/scan-ticket';
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
 * tickets only. An admin may scan without naming one (any event's ticket).
 */
export function validateTicket(deps: ApiDeps, scanner: AuthUser, code: string, eventId: string | undefined): Promise<TicketView> {
  if (!eventId && scanner.role !== 'admin') {
    throw new AppError('VALIDATION_ERROR', "a scanner must say which event's door it is at", {
      details: [{ field: 'event_id', message: 'required for the scanner role: the event whose door this is' }],
    });
  }
  return scanTicket(deps.pool, deps.ticketKeys.verifying, { code, scannerId: scanner.id, eventId: eventId ?? null });
}

export function transferMyTicket(deps: ApiDeps, user: AuthUser, ticketId: string, toEmail: string): Promise<TicketView> {
  const emails = deps.emails ?? EMAILS_WAIT_IN_OUTBOX;
  return emails.after(() => transferTicket(deps.pool, ticketSigner(deps.ticketKeys), { ticketId, requester: user, toEmail }));
}
