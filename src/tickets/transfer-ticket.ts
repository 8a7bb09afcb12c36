import { randomUUID } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import { withTransaction } from '../db/transaction';
import { AppError } from '../domain/errors';
import { enqueueTransferEmails } from '../email/transfer-emails';
import { issueTickets, recordTicketEvents, type TicketSigner } from './issue-tickets';
import { refusalFor } from './scan-ticket';
import { loadTicket, type TicketView } from './ticket-view';

/**
 * Passes a ticket to another registered user, in one transaction: the old ticket becomes TRANSFERRED
 * (its code stops opening the door) and the recipient gets a new ticket for the same seat or GA
 * place with a new signed code. Only an ACTIVE ticket of a CONFIRMED order can be transferred;
 * someone else's ticket is not found (404), whoever asks.
 *
 * Locks in the inventory's order (src/inventory/locks.ts): the order's row first, as its refund
 * does, then the ticket. A refund and a transfer of one order so take turns: the transfer that goes
 * first commits a ticket the refund then cancels; one that goes second finds the ticket cancelled.
 */
export async function transferTicket(
  pool: Pool,
  sign: TicketSigner,
  cmd: { ticketId: string; requester: { id: string; role: string }; toEmail: string },
): Promise<TicketView> {
  const newId = randomUUID();
  await withTransaction(pool, async (db) => {
    // Which order to lock: a ticket's order never changes, so reading it before the lock is safe.
    const ref = await db.query<{ order_id: string }>('SELECT order_id FROM tickets WHERE id = $1', [cmd.ticketId]);
    const orderId = ref.rows[0]?.order_id;
    const order = orderId ? await lockOrder(db, orderId) : undefined;
    const { rows } = await db.query<{ owner_id: string; status: string; order_id: string; event_id: string; section_id: string; seat_id: string | null; place_number: number }>(
      'SELECT owner_id, status, order_id, event_id, section_id, seat_id, place_number FROM tickets WHERE id = $1 FOR UPDATE',
      [cmd.ticketId],
    );
    const ticket = rows[0];
    if (!ticket || !order || (ticket.owner_id !== cmd.requester.id && cmd.requester.role !== 'admin')) {
      throw new AppError('NOT_FOUND', 'ticket not found');
    }
    if (ticket.status !== 'ACTIVE' || order.status !== 'CONFIRMED') {
      // An ACTIVE ticket of an order being refunded reads as cancelled: that is what it is about to be.
      const view = await loadTicket(db, cmd.ticketId);
      throw view ? refusalFor(view) : new AppError('NOT_FOUND', 'ticket not found');
    }
    // A listed ticket is for sale: passing it on would sell a buyer a ticket that is gone.
    const listed = await db.query<{ id: string }>(`SELECT id FROM resale_listings WHERE ticket_id = $1 AND status = 'LISTED'`, [cmd.ticketId]);
    if (listed.rows[0]) {
      throw new AppError('ALREADY_LISTED', 'the ticket is listed for resale; withdraw the listing before transferring it', { listing_id: listed.rows[0].id });
    }
    const recipient = await db.query<{ id: string }>('SELECT id FROM users WHERE lower(email) = lower($1)', [cmd.toEmail.trim()]);
    const to = recipient.rows[0]?.id;
    if (!to) throw invalidRecipient('no registered user has this email');
    if (to === ticket.owner_id) throw invalidRecipient('the ticket already belongs to this user');

    const marked = await db.query(`UPDATE tickets SET status = 'TRANSFERRED', transferred_to = $2 WHERE id = $1 AND status = 'ACTIVE'`, [
      cmd.ticketId,
      newId,
    ]);
    if (marked.rowCount !== 1) throw new Error(`ticket ${cmd.ticketId} changed under its lock`);
    await recordTicketEvents(db, [cmd.ticketId], 'TRANSFERRED_OUT', `user:${cmd.requester.id}`, `to ticket ${newId}`);
    const seat = ticket.seat_id
      ? (await db.query<{ row_label: string; seat_number: number }>('SELECT row_label, seat_number FROM seats WHERE id = $1', [ticket.seat_id])).rows[0]
      : undefined;
    await issueTickets(
      db,
      {
        orderId: ticket.order_id,
        eventId: ticket.event_id,
        ownerId: to,
        actor: `user:${cmd.requester.id}`,
        transferredFrom: cmd.ticketId,
        ticketIds: [newId],
        lines: [
          { sectionId: ticket.section_id, seatId: ticket.seat_id, row: seat?.row_label ?? null, number: seat?.seat_number ?? null, placeNumber: ticket.place_number },
        ],
      },
      sign,
    );
    await enqueueTransferEmails(db, { fromTicketId: cmd.ticketId, toTicketId: newId });
  });
  const transferred = await loadTicket(pool, newId);
  if (!transferred) throw new Error(`transferred ticket ${newId} vanished`);
  return transferred;
}

function invalidRecipient(message: string): AppError {
  return new AppError('VALIDATION_ERROR', 'the request is not valid', { details: [{ field: 'to_email', message }] });
}

/** The order's row, first in the lock order (its refund takes it first too). */
async function lockOrder(db: PoolClient, orderId: string): Promise<{ status: string } | undefined> {
  const { rows } = await db.query<{ status: string }>('SELECT status FROM orders WHERE id = $1 FOR UPDATE', [orderId]);
  return rows[0];
}
