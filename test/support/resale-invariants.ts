import type { Pool } from 'pg';
import { refundedExactly, type ProviderRecord } from './direct-sales';

/*
 * What must hold of an event's resale once everything under way has settled (docs/resale.md,
 * docs/money.md "Resale"), each check answering the problems it finds, as sentences.
 */

interface ListingFacts {
  id: string;
  status: string;
  ticket_id: string;
  seller_id: string;
  buyer_id: string | null;
  new_ticket_id: string | null;
  price_cents: number;
  ticket_status: string;
  ticket_owner: string;
  resold_to: string | null;
  order_status: string;
  event_status: string;
  new_owner: string | null;
  new_from: string | null;
  new_same_place: boolean | null;
  purchase_listing: string | null;
  purchase_buyer: string | null;
  purchase_status: string | null;
  purchase_amount: number | null;
  /** The place's latest sale: the one an order's refund gives back. */
  last_sale_of_place: boolean | null;
}

/**
 * No listing stays on sale for a ticket that cannot be sold; a sold listing passed its ticket on to the
 * buyer of its one captured charge, and that charge stays a sale unless the order was refunded and this
 * was the place's latest sale (then it went back to that buyer).
 */
export async function listingsAstray(pool: Pool, eventId: string): Promise<string[]> {
  const { rows } = await pool.query<ListingFacts>(
    `SELECT l.id, l.status, l.ticket_id, l.seller_id, l.buyer_id, l.new_ticket_id, l.price_cents,
            t.status AS ticket_status, t.owner_id AS ticket_owner, t.resold_to, o.status AS order_status, e.status AS event_status,
            nt.owner_id AS new_owner, nt.resold_from AS new_from, (nt.order_id = l.order_id AND nt.place_number = l.place_number) AS new_same_place,
            p.listing_id AS purchase_listing, p.buyer_id AS purchase_buyer, p.status AS purchase_status, p.amount_cents AS purchase_amount,
            l.closed_at = max(l.closed_at) FILTER (WHERE l.status = 'SOLD') OVER (PARTITION BY l.order_id, l.place_number) AS last_sale_of_place
       FROM resale_listings l JOIN tickets t ON t.id = l.ticket_id JOIN orders o ON o.id = l.order_id JOIN events e ON e.id = l.event_id
       LEFT JOIN tickets nt ON nt.id = l.new_ticket_id LEFT JOIN resale_purchases p ON p.id = l.purchase_id
      WHERE l.event_id = $1`,
    [eventId],
  );
  return rows.flatMap((l) => (l.status === 'LISTED' ? openListingProblems(l) : l.status === 'SOLD' ? saleProblems(l) : []));
}

function openListingProblems(l: ListingFacts): string[] {
  const sellable = l.ticket_status === 'ACTIVE' && l.ticket_owner === l.seller_id && l.order_status === 'CONFIRMED' && l.event_status === 'SCHEDULED';
  if (sellable) return [];
  const ownedBy = l.ticket_owner === l.seller_id ? 'the seller' : 'someone else';
  return [`listing ${l.id} is LISTED for a ${l.ticket_status} ticket of ${ownedBy}, of a ${l.order_status} order of a ${l.event_status} event`];
}

function saleProblems(l: ListingFacts): string[] {
  const problems: string[] = [];
  const passedOn = l.ticket_status === 'RESOLD' && l.resold_to === l.new_ticket_id && l.new_from === l.ticket_id && l.new_owner === l.buyer_id && l.new_same_place;
  if (!passedOn) problems.push(`listing ${l.id} is SOLD but its ticket (${l.ticket_status}) was not passed on to the buyer's new ticket of the same place`);
  const paidFor = l.purchase_listing === l.id && l.purchase_buyer === l.buyer_id && l.purchase_amount === l.price_cents;
  if (!paidFor) problems.push(`listing ${l.id} is SOLD by a purchase that is not its buyer's charge for it at its price`);
  const givenBack = l.order_status !== 'CONFIRMED' && l.last_sale_of_place === true;
  const expected = givenBack ? 'REFUNDED' : 'SUCCEEDED';
  if (l.purchase_status !== expected) problems.push(`listing ${l.id} is SOLD of a ${l.order_status} order, its purchase is ${l.purchase_status}, not ${expected}`);
  return problems;
}

/**
 * Every charge of a resale buyer that was captured ends as exactly one sale (the purchase of its SOLD
 * listing) or one refund (REFUNDED, its money asked back in full by its key); and the provider gave
 * back nothing else of the event's resale.
 */
export async function resaleChargesAstray(pool: Pool, eventId: string, provider: ProviderRecord): Promise<string[]> {
  const { rows } = await pool.query<{ id: string; status: string; amount_cents: number; idempotency_key: string; bought: boolean }>(
    `SELECT p.id, p.status, p.amount_cents, p.idempotency_key, (l.status = 'SOLD' AND l.purchase_id = p.id) AS bought
       FROM resale_purchases p JOIN resale_listings l ON l.id = p.listing_id WHERE l.event_id = $1`,
    [eventId],
  );
  const problems: string[] = [];
  for (const p of rows) {
    // A charge declined or voided never took money: nothing to end.
    if (p.status === 'DECLINED' || p.status === 'VOIDED') continue;
    const sale = p.status === 'SUCCEEDED' && p.bought;
    const refund = p.status === 'REFUNDED' && refundedExactly(provider, `refund:resale:${p.id}`, p.amount_cents);
    if (sale === refund) problems.push(`resale purchase ${p.id} is ${p.status} and ${p.bought ? '' : 'not '}the sale of its listing`);
  }
  const charged = new Set(rows.map((p) => p.idempotency_key));
  const refundable = new Set(rows.map((p) => `refund:resale:${p.id}`));
  for (const key of new Set(provider.chargeKeys)) if (isResaleChargeKey(key) && !charged.has(key)) problems.push(`a resale charge no purchase records: ${key}`);
  for (const { idempotencyKey } of provider.refunds) {
    if (idempotencyKey.startsWith('refund:resale:') && !refundable.has(idempotencyKey)) problems.push(`a refund of no resale charge of the event: ${idempotencyKey}`);
  }
  return problems;
}

/** A listing's charge key (src/domain/resale-rules.ts): `<listing id>:<buyer id>:charge:<n>`. */
function isResaleChargeKey(key: string): boolean {
  return /^[0-9a-f-]{36}:[0-9a-f-]{36}:charge:\d+$/.test(key);
}

/**
 * A seller is paid only for a SOLD listing, once: exactly one PAID payout of the listing's payout to its
 * seller (the provider asked by that key alone), and no payout of a listing that was not sold.
 */
export async function payoutsAstray(pool: Pool, eventId: string, provider: ProviderRecord): Promise<string[]> {
  const { rows } = await pool.query<{ id: string; status: string; payouts: number; paid: number; paid_key: string | null }>(
    `SELECT l.id, l.status,
            count(po.id) FILTER (WHERE po.status <> 'VOIDED')::int AS payouts,
            count(po.id) FILTER (WHERE po.status = 'PAID' AND po.seller_id = l.seller_id AND po.amount_cents = l.seller_payout_cents)::int AS paid,
            max(po.idempotency_key) FILTER (WHERE po.status = 'PAID') AS paid_key
       FROM resale_listings l LEFT JOIN resale_payouts po ON po.listing_id = l.id
      WHERE l.event_id = $1 GROUP BY l.id, l.status`,
    [eventId],
  );
  const problems: string[] = [];
  for (const l of rows) {
    const asked = new Set(provider.payoutKeys.filter((key) => key.startsWith(`${l.id}:payout:`)));
    const once = l.payouts === 1 && l.paid === 1 && asked.size === 1 && asked.has(l.paid_key ?? '');
    const none = l.payouts === 0 && asked.size === 0;
    if (l.status === 'SOLD' ? !once : !none) {
      problems.push(`listing ${l.id} is ${l.status} with ${l.payouts} payouts (${l.paid} paid to its seller) and ${asked.size} payout keys sent`);
    }
  }
  const listings = new Set(rows.map((l) => l.id));
  for (const key of provider.payoutKeys) if (!listings.has(key.split(':')[0] ?? '')) problems.push(`a payout of no listing of the event: ${key}`);
  return problems;
}
