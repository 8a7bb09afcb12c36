import type { KeyObject } from 'node:crypto';
import type { Pool } from 'pg';
import { withTransaction } from '../db/transaction';
import { AppError } from '../domain/errors';
import { recordTicketEvents } from './issue-tickets';
import { TicketCodeError, verifyTicketCode } from './ticket-codes';
import { loadTicket, type TicketView } from './ticket-view';

/**
 * A scan at the door of `eventId` (absent or null: any event's, for an admin). The code's signature is
 * checked first (a forged, altered, truncated or wrong-key code is 400 INVALID_SIGNATURE and touches
 * nothing); then one transaction turns the ticket from ACTIVE to USED, only for the door's event, so of
 * two scanners reading the same code in the same instant exactly one admits it, and withdraws the
 * ticket's open resale listing if it has one (a ticket used at the door cannot be sold any more). Any
 * other case is refused with its code (another event's ticket first: WRONG_EVENT), and the refusal is
 * recorded.
 */
export async function scanTicket(
  pool: Pool,
  publicKeys: ReadonlyMap<string, KeyObject>,
  cmd: { code: string; scannerId: string; eventId?: string | null },
): Promise<TicketView> {
  return (await scanTicketAtDoor(pool, publicKeys, cmd)).ticket;
}

/** scanTicket, also naming the resale listing the scan withdrew (its workflow is told by the caller). */
export async function scanTicketAtDoor(
  pool: Pool,
  publicKeys: ReadonlyMap<string, KeyObject>,
  cmd: { code: string; scannerId: string; eventId?: string | null },
): Promise<{ ticket: TicketView; withdrawnListingId: string | null }> {
  const claims = verifiedClaims(cmd.code, publicKeys);
  const admitted = await withTransaction(pool, async (db) => {
    const used = await db.query(
      `UPDATE tickets SET status = 'USED', used_at = now(), used_by = $2
        WHERE id = $1 AND qr_code = $3 AND status = 'ACTIVE' AND ($4::uuid IS NULL OR event_id = $4::uuid)`,
      [claims.tid, cmd.scannerId, cmd.code, cmd.eventId ?? null],
    );
    if (used.rowCount !== 1) return null;
    // A statement of its own, so it reads after the ticket's lock was won: a listing made by a
    // transaction the scan waited for (it locks the ticket too) is visible here and withdrawn. In the
    // same statement as the scan it would read the snapshot from before that wait and miss it.
    const withdrawn = await db.query<{ id: string }>(
      `UPDATE resale_listings SET status = 'WITHDRAWN', closed_at = now(), close_reason = 'SCANNED'
        WHERE ticket_id = $1 AND status = 'LISTED' RETURNING id`,
      [claims.tid],
    );
    const listingId = withdrawn.rows[0]?.id ?? null;
    await recordTicketEvents(db, [claims.tid], 'USED', `scanner:${cmd.scannerId}`, listingId ? `resale listing ${listingId} withdrawn` : null);
    return { listingId };
  });
  if (admitted) {
    const ticket = await loadTicket(pool, claims.tid);
    if (!ticket) throw new Error(`ticket ${claims.tid} vanished after its scan`);
    return { ticket, withdrawnListingId: admitted.listingId };
  }
  const ticket = await loadTicket(pool, claims.tid);
  if (!ticket || ticket.qr_code !== cmd.code) {
    throw invalidCode('the code is signed but names no ticket of this platform');
  }
  if (cmd.eventId && ticket.event_id !== cmd.eventId.toLowerCase()) {
    await recordTicketEvents(pool, [ticket.ticket_id], 'SCAN_REFUSED', `scanner:${cmd.scannerId}`, 'WRONG_EVENT');
    throw new AppError('WRONG_EVENT', "this ticket is for another event than this door's", { event_id: ticket.event_id, ticket_id: ticket.ticket_id });
  }
  await recordTicketEvents(pool, [ticket.ticket_id], 'SCAN_REFUSED', `scanner:${cmd.scannerId}`, ticket.status);
  throw refusalFor(ticket);
}

export function verifiedClaims(code: string, publicKeys: ReadonlyMap<string, KeyObject>) {
  try {
    return verifyTicketCode(code, publicKeys);
  } catch (err) {
    if (err instanceof TicketCodeError) throw invalidCode(err.message);
    throw err;
  }
}

/** The contract answers a bad ticket code 400 (a bad webhook signature is 401: same code, other status). */
function invalidCode(message: string): AppError {
  return new AppError('INVALID_SIGNATURE', message, {}, { status: 400 });
}

/** Why a ticket that is not ACTIVE does not open the door (409, with the contract's code). */
export function refusalFor(ticket: TicketView): AppError {
  switch (ticket.status) {
    case 'USED':
      return new AppError('ALREADY_USED', 'this ticket was already used', { used_at: ticket.used_at, ticket_id: ticket.ticket_id });
    case 'TRANSFERRED':
      return new AppError('TICKET_TRANSFERRED', 'this ticket was transferred; only the new code opens the door', { ticket_id: ticket.ticket_id });
    case 'RESOLD':
      return new AppError('TICKET_RESOLD', "this ticket was sold on resale; only the buyer's new code opens the door", { ticket_id: ticket.ticket_id });
    default:
      return new AppError('TICKET_CANCELLED', 'this ticket was cancelled (its order was refunded)', { ticket_id: ticket.ticket_id });
  }
}
