import { randomUUID } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import { withTransaction } from '../db/transaction';
import { AppError } from '../domain/errors';
import { enqueueResaleEmails } from '../email/resale-emails';
import type { ListingView } from '../domain/resale';
import { expectRows } from '../inventory/locks';
import { issueTickets, recordTicketEvents, type TicketSigner } from '../tickets/issue-tickets';
import { loadTicket, type TicketView } from '../tickets/ticket-view';
import { requireListing } from './listing-view';

export interface SaleOfListing {
  listing: ListingView;
  ticket: TicketView;
}

/**
 * A paid listing becomes the buyer's, in one transaction: the seller's ticket becomes RESOLD (its code
 * stops opening the door) and the buyer gets a new ticket for the same place, with a new signed code
 * and the place's number. Locks in the inventory's order (src/inventory/locks.ts): the order's row
 * first, as its refund and a transfer do, then the ticket, the listing and the charge; and checks
 * under those locks that the order is CONFIRMED, the ticket ACTIVE, the listing LISTED, the event not
 * cancelled nor started, and the charge captured for this listing at its price. Anything else is
 * LISTING_UNAVAILABLE and nothing changes (the workflow then refunds the charge). A retry of a sale
 * that committed gets it again.
 */
export async function sellListing(pool: Pool, sign: TicketSigner, cmd: { listingId: string; purchaseId: string }): Promise<SaleOfListing> {
  const soldTicket = await withTransaction(pool, async (db) => {
    const before = await requireListing(db, cmd.listingId);
    if (before.view.status === 'SOLD' && before.purchaseId === cmd.purchaseId && before.newTicketId) return before.newTicketId;
    await db.query('SELECT 1 FROM orders WHERE id = $1 FOR UPDATE', [before.orderId]);
    const facts = await lockedFacts(db, cmd);
    const refusal = whyNotSellable(facts, cmd.listingId);
    if (refusal) throw new AppError('LISTING_UNAVAILABLE', refusal, { listing_status: facts.listing_status });

    const newTicketId = randomUUID();
    const resold = await db.query(`UPDATE tickets SET status = 'RESOLD', resold_to = $2 WHERE id = $1 AND status = 'ACTIVE'`, [facts.ticket_id, newTicketId]);
    expectRows(resold.rowCount, 1, 'ticket resold');
    await recordTicketEvents(db, [facts.ticket_id], 'RESOLD_OUT', `user:${facts.buyer_id}`, `listing ${cmd.listingId}, to ticket ${newTicketId}`);
    await issueTickets(
      db,
      {
        orderId: facts.order_id,
        eventId: facts.event_id,
        ownerId: facts.buyer_id,
        actor: `user:${facts.buyer_id}`,
        resoldFrom: facts.ticket_id,
        ticketIds: [newTicketId],
        lines: [{ sectionId: facts.section_id, seatId: facts.seat_id, row: facts.row_label, number: facts.seat_number, placeNumber: facts.place_number }],
      },
      sign,
    );
    // clock_timestamp(), not now(): taken under the order's lock, so a place's later sale always reads later.
    const sold = await db.query(
      `UPDATE resale_listings SET status = 'SOLD', closed_at = clock_timestamp(), close_reason = 'SOLD', buyer_id = $2, purchase_id = $3, new_ticket_id = $4
        WHERE id = $1 AND status = 'LISTED'`,
      [cmd.listingId, facts.buyer_id, cmd.purchaseId, newTicketId],
    );
    expectRows(sold.rowCount, 1, 'listing sold');
    await enqueueResaleEmails(db, {
      listingId: cmd.listingId,
      soldTicketId: facts.ticket_id,
      newTicketId,
      priceCents: facts.price_cents,
      payoutCents: facts.seller_payout_cents,
    });
    return newTicketId;
  });
  const [listing, ticket] = await Promise.all([requireListing(pool, cmd.listingId), loadTicket(pool, soldTicket)]);
  if (!ticket) throw new Error(`ticket ${soldTicket} of listing ${cmd.listingId} vanished`);
  return { listing: listing.view, ticket };
}

interface SaleFacts {
  ticket_id: string;
  ticket_status: string;
  order_id: string;
  order_status: string;
  event_id: string;
  event_open: boolean;
  section_id: string;
  seat_id: string | null;
  row_label: string | null;
  seat_number: number | null;
  place_number: number;
  owner_id: string;
  seller_id: string;
  listing_status: string;
  price_cents: number;
  seller_payout_cents: number;
  purchase_status: string | null;
  purchase_listing: string | null;
  purchase_amount: number | null;
  buyer_id: string;
}

/** The ticket, the listing and the charge, each locked in that order, read together. */
async function lockedFacts(db: PoolClient, cmd: { listingId: string; purchaseId: string }): Promise<SaleFacts> {
  const ticket = await db.query<Pick<SaleFacts, 'ticket_id' | 'ticket_status' | 'owner_id' | 'place_number' | 'section_id' | 'seat_id'>>(
    `SELECT t.id AS ticket_id, t.status AS ticket_status, t.owner_id, t.place_number, t.section_id, t.seat_id
       FROM tickets t WHERE t.id = (SELECT ticket_id FROM resale_listings WHERE id = $1) FOR UPDATE`,
    [cmd.listingId],
  );
  const listing = await db.query<Pick<SaleFacts, 'listing_status' | 'price_cents' | 'seller_payout_cents' | 'seller_id' | 'order_id' | 'event_id'>>(
    'SELECT status AS listing_status, price_cents, seller_payout_cents, seller_id, order_id, event_id FROM resale_listings WHERE id = $1 FOR UPDATE',
    [cmd.listingId],
  );
  const purchase = await db.query<{ status: string; listing_id: string; amount_cents: number; buyer_id: string }>(
    'SELECT status, listing_id, amount_cents, buyer_id FROM resale_purchases WHERE id = $1 FOR UPDATE',
    [cmd.purchaseId],
  );
  const rest = await db.query<{ order_status: string; event_open: boolean; row_label: string | null; seat_number: number | null }>(
    `SELECT o.status AS order_status, (e.status = 'SCHEDULED' AND e.starts_at > now()) AS event_open, st.row_label, st.seat_number
       FROM orders o JOIN events e ON e.id = o.event_id LEFT JOIN seats st ON st.id = $2 WHERE o.id = $1`,
    [listing.rows[0]?.order_id, ticket.rows[0]?.seat_id ?? null],
  );
  const t = ticket.rows[0];
  const l = listing.rows[0];
  const r = rest.rows[0];
  if (!t || !l || !r) throw new Error(`listing ${cmd.listingId} lost its ticket or order`);
  const p = purchase.rows[0];
  return {
    ...t,
    ...l,
    ...r,
    purchase_status: p?.status ?? null,
    purchase_listing: p?.listing_id ?? null,
    purchase_amount: p?.amount_cents ?? null,
    buyer_id: p?.buyer_id ?? '',
  };
}

function whyNotSellable(f: SaleFacts, listingId: string): string | null {
  if (f.listing_status !== 'LISTED') return `the listing is ${f.listing_status}`;
  if (f.order_status !== 'CONFIRMED') return 'the order of this ticket is being refunded';
  if (!f.event_open) return 'the event has started or was cancelled';
  if (f.ticket_status !== 'ACTIVE' || f.owner_id !== f.seller_id) return `the ticket is ${f.ticket_status} and no longer the seller's to sell`;
  if (f.purchase_status !== 'SUCCEEDED' || f.purchase_listing !== listingId || f.purchase_amount !== f.price_cents) {
    return 'the payment is not captured money for this listing';
  }
  return null;
}
