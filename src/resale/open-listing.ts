import type { Pool, PoolClient } from 'pg';
import { withTransaction, type Queryable } from '../db/transaction';
import { AppError } from '../domain/errors';
import type { ListingView } from '../domain/resale';
import { resaleCapCents, resaleFeeCents } from '../domain/resale-rules';
import { faceValueSql } from './face-value';
import { loadListing, requireListing } from './listing-view';

/** What decides whether a ticket may be listed, read in one statement. */
interface ListingFacts {
  ticket_id: string;
  owner_id: string;
  ticket_status: string;
  order_id: string;
  order_status: string;
  event_id: string;
  section_id: string;
  seat_id: string | null;
  place_number: number;
  event_status: string;
  starts_at: Date;
  started: boolean;
  resale_allowed: boolean;
  resale_max_price_percent: number;
  resale_fee_percent: number;
  face_value_cents: number;
  listed: boolean;
}

export interface ListingTerms {
  sellerId: string;
  faceValueCents: number;
  feeCents: number;
  expiresAt: Date;
}

export interface ListingRequest {
  ticketId: string;
  requester: { id: string; role: string };
  priceCents: number;
}

const FACTS = `
  SELECT t.id AS ticket_id, t.owner_id, t.status AS ticket_status, t.order_id, o.status AS order_status,
         t.event_id, t.section_id, t.seat_id, t.place_number, e.status AS event_status, e.starts_at,
         e.starts_at <= now() AS started, e.resale_allowed, e.resale_max_price_percent, e.resale_fee_percent,
         ${faceValueSql('t')} AS face_value_cents,
         EXISTS (SELECT 1 FROM resale_listings l WHERE l.ticket_id = t.id AND l.status = 'LISTED') AS listed
    FROM tickets t JOIN orders o ON o.id = t.order_id JOIN events e ON e.id = t.event_id
   WHERE t.id = $1`;

/**
 * Whether the ticket may be listed at this price, and on what terms; refused with the contract's code.
 * Someone else's ticket is not found (404), whoever asks but an admin.
 */
function judge(facts: ListingFacts | undefined, request: ListingRequest): ListingTerms {
  if (!facts || (facts.owner_id !== request.requester.id && request.requester.role !== 'admin')) {
    throw new AppError('NOT_FOUND', 'ticket not found');
  }
  if (!facts.resale_allowed) throw new AppError('RESALE_NOT_ALLOWED', 'the organiser does not allow resale for this event', { event_id: facts.event_id });
  if (facts.event_status !== 'SCHEDULED' || facts.started) {
    const reason = facts.event_status !== 'SCHEDULED' ? 'EVENT_CANCELLED' : 'EVENT_STARTED';
    throw new AppError('RESALE_NOT_ALLOWED', 'tickets of an event that has started or was cancelled cannot be resold', { event_id: facts.event_id, reason });
  }
  if (facts.ticket_status !== 'ACTIVE' || facts.order_status !== 'CONFIRMED') {
    // A ticket of an order being refunded reads as cancelled: that is what it is about to be.
    const status = facts.ticket_status === 'ACTIVE' ? 'CANCELLED' : facts.ticket_status;
    throw new AppError('TICKET_NOT_ACTIVE', `the ticket is ${status}; only an active ticket can be listed`, { ticket_status: status });
  }
  if (facts.listed) throw new AppError('ALREADY_LISTED', 'the ticket is listed already; withdraw that listing to change it', { ticket_id: facts.ticket_id });
  const cap = resaleCapCents(facts.face_value_cents, facts.resale_max_price_percent);
  if (request.priceCents > cap) {
    throw new AppError('PRICE_ABOVE_CAP', `the price is above what this event allows (${facts.resale_max_price_percent}% of the face value)`, {
      max_price_cents: cap,
      face_value_cents: facts.face_value_cents,
    });
  }
  return {
    sellerId: facts.owner_id,
    faceValueCents: facts.face_value_cents,
    feeCents: resaleFeeCents(request.priceCents, facts.resale_fee_percent),
    expiresAt: facts.starts_at,
  };
}

/** The same checks as the listing's own transaction, without its locks: the API refuses early with them. */
export async function checkListable(db: Queryable, request: ListingRequest): Promise<ListingTerms> {
  const { rows } = await db.query<ListingFacts>(FACTS, [request.ticketId]);
  return judge(rows[0], request);
}

/**
 * Lists a ticket, in one transaction that locks in the inventory's order (src/inventory/locks.ts):
 * the order's row first, as its refund, a transfer and a resale's sale do, then the ticket; so a
 * refund either commits before (and the ticket is cancelled) or finds the listing and withdraws it.
 * Idempotent by listing id: a retry of the step that committed gets the listing it made.
 */
export async function openListing(pool: Pool, cmd: ListingRequest & { listingId: string; sellerId: string }): Promise<ListingView> {
  return withTransaction(pool, async (db) => {
    const made = await loadListing(db, cmd.listingId);
    if (made) return made.view;
    const ref = await db.query<{ order_id: string }>('SELECT order_id FROM tickets WHERE id = $1', [cmd.ticketId]);
    const orderId = ref.rows[0]?.order_id;
    if (orderId) await db.query('SELECT 1 FROM orders WHERE id = $1 FOR UPDATE', [orderId]);
    const { rows } = await db.query<ListingFacts>(`${FACTS} FOR UPDATE OF t`, [cmd.ticketId]);
    const facts = rows[0];
    const terms = judge(facts, cmd);
    // The API read the owner before this transaction: a ticket that changed hands meanwhile is not the seller's.
    if (!facts || terms.sellerId !== cmd.sellerId) throw new AppError('NOT_FOUND', 'ticket not found');
    await insertListing(db, cmd, facts, terms);
    return (await requireListing(db, cmd.listingId)).view;
  });
}

async function insertListing(db: PoolClient, cmd: { listingId: string; priceCents: number }, facts: ListingFacts, terms: ListingTerms): Promise<void> {
  await db.query(
    `INSERT INTO resale_listings (id, ticket_id, order_id, event_id, section_id, seat_id, place_number, seller_id,
                                  face_value_cents, price_cents, fee_cents, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
    [
      cmd.listingId,
      facts.ticket_id,
      facts.order_id,
      facts.event_id,
      facts.section_id,
      facts.seat_id,
      facts.place_number,
      terms.sellerId,
      terms.faceValueCents,
      cmd.priceCents,
      terms.feeCents,
      terms.expiresAt,
    ],
  );
}
