import { AppError } from '../../domain/errors';
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
 * A scan at the door; a resale listing it withdrew has its workflow told at once (if that fails the
 * listing is closed all the same: PostgreSQL refuses its sale, and its workflow ends at the event's start).
 */
export async function validateTicket(deps: ApiDeps, scanner: AuthUser, code: string): Promise<TicketView> {
  const { ticket, withdrawnListingId } = await scanTicketAtDoor(deps.pool, deps.ticketKeys.verifying, { code, scannerId: scanner.id });
  if (withdrawnListingId) await tellListingsClosed(deps.temporal, [withdrawnListingId], 'SCANNED').catch(() => undefined);
  return ticket;
}

export function transferMyTicket(deps: ApiDeps, user: AuthUser, ticketId: string, toEmail: string): Promise<TicketView> {
  return transferTicket(deps.pool, ticketSigner(deps.ticketKeys), { ticketId, requester: user, toEmail });
}
