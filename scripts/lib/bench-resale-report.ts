/** The --resale facts (PostgreSQL and the simulated processor's books), its verdict (correctness only) and its printed report. */
import type { Pool } from 'pg';
import type { simulatedLedger } from '../../src/payments/simulated-provider';
import type { Attempt, ResaleResult } from './bench-resale';
import { nonZeroCounts } from './bench-reconciliation';

export interface ResaleFacts {
  listings_by_status: Record<string, number>;
  sold: number;
  /** Listings that issued more than one ticket, or captured more than one charge: must be 0. */
  double_sales: number;
  /** Listings whose race did not end with exactly one 200 if sold, none if not. */
  winners_not_one: number;
  /** Listings still LISTED although a racer paid with a good card and no racer's answer was a 5xx or none. */
  unsold_with_a_good_card: number;
  charges_captured: number;
  /** Listings whose captured charges (processor's books) are not 1 if sold, 0 if not. */
  charges_off: number;
  payouts_paid: number;
  /** Sold listings without exactly one PAID payout row for their seller_payout_cents, or the processor's books disagreeing. */
  payouts_off: number;
  purchases_by_status: Record<string, number>;
  /** Seats of the event with more than one ticket that opens the door. */
  places_with_two_tickets: number;
  sellers_tickets_resold: number;
}

type Ledger = ReturnType<typeof simulatedLedger>;

export async function resaleFacts(pool: Pool, ledger: Ledger, eventId: string, listingIds: string[], attempts: Attempt[]): Promise<ResaleFacts> {
  const listings = await pool.query<{ id: string; status: string; seller_payout_cents: number; issued: number; captured: number; paid: number; paid_cents: number }>(
    `SELECT l.id, l.status, l.seller_payout_cents,
            (SELECT count(*)::int FROM tickets t WHERE t.resold_from = l.ticket_id) AS issued,
            (SELECT count(*)::int FROM resale_purchases p WHERE p.listing_id = l.id AND p.status IN ('SUCCEEDED', 'REFUNDING', 'REFUNDED')) AS captured,
            (SELECT count(*)::int FROM resale_payouts po WHERE po.listing_id = l.id AND po.status = 'PAID') AS paid,
            (SELECT coalesce(sum(amount_cents), 0)::int FROM resale_payouts po WHERE po.listing_id = l.id AND po.status = 'PAID') AS paid_cents
       FROM resale_listings l WHERE l.event_id = $1`,
    [eventId],
  );
  const books = await ledger.booksOf(new Set(listingIds));
  const byListing = new Map<string, Attempt[]>();
  for (const a of attempts) byListing.set(a.listing_id, [...(byListing.get(a.listing_id) ?? []), a]);

  let doubleSales = 0;
  let winnersNotOne = 0;
  let unsold = 0;
  let chargesOff = 0;
  let payoutsOff = 0;
  for (const l of listings.rows) {
    const sold = l.status === 'SOLD';
    const book = books.get(l.id) ?? { charges: 0, payouts: 0, payoutCents: 0 };
    const raced = byListing.get(l.id) ?? [];
    if (l.issued > 1 || l.captured > 1 || book.charges > 1) doubleSales += 1;
    if (raced.filter((a) => a.status === 200).length !== (sold ? 1 : 0)) winnersNotOne += 1;
    const inDoubt = raced.some((a) => a.status === 0 || a.status >= 500);
    if (!sold && !inDoubt && raced.some((a) => a.card === 'pm_card_visa')) unsold += 1;
    if (book.charges !== (sold ? 1 : 0) || l.captured !== (sold ? 1 : 0)) chargesOff += 1;
    const payoutRight = sold ? l.paid === 1 && l.paid_cents === l.seller_payout_cents && book.payouts === 1 && book.payoutCents === l.seller_payout_cents : l.paid === 0 && book.payouts === 0;
    if (!payoutRight) payoutsOff += 1;
  }
  const purchases = await pool.query<{ status: string; n: number }>(
    `SELECT p.status, count(*)::int AS n FROM resale_purchases p JOIN resale_listings l ON l.id = p.listing_id WHERE l.event_id = $1 GROUP BY p.status`,
    [eventId],
  );
  const twice = await pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM (SELECT seat_id FROM tickets WHERE event_id = $1 AND seat_id IS NOT NULL AND status IN ('ACTIVE', 'USED') GROUP BY seat_id HAVING count(*) > 1) s`,
    [eventId],
  );
  const resold = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM tickets WHERE event_id = $1 AND status = 'RESOLD'`, [eventId]);
  return {
    listings_by_status: Object.fromEntries(countStatuses(listings.rows.map((l) => l.status))),
    sold: listings.rows.filter((l) => l.status === 'SOLD').length,
    double_sales: doubleSales,
    winners_not_one: winnersNotOne,
    unsold_with_a_good_card: unsold,
    charges_captured: [...books.values()].reduce((sum, b) => sum + b.charges, 0),
    charges_off: chargesOff,
    payouts_paid: listings.rows.reduce((sum, l) => sum + l.paid, 0),
    payouts_off: payoutsOff,
    purchases_by_status: Object.fromEntries(purchases.rows.map((r) => [r.status, r.n])),
    places_with_two_tickets: twice.rows[0]?.n ?? 0,
    sellers_tickets_resold: resold.rows[0]?.n ?? 0,
  };
}

function countStatuses(statuses: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const s of statuses) counts.set(s, (counts.get(s) ?? 0) + 1);
  return counts;
}

const ratio = (n: number, d: number): string => (d === 0 ? '-' : (n / d).toFixed(3));

export function checksOfResale(r: ResaleResult): Array<[string, boolean]> {
  const f = r.facts;
  return [
    ['no listing sold twice (tickets issued, charges captured)', f.double_sales === 0],
    ['every race ended with exactly one 200 for a sold listing, none for an unsold one', f.winners_not_one === 0],
    ['every listing a buyer paid for with a good card was sold', f.unsold_with_a_good_card === 0],
    ['one charge per sale, none for a listing not sold (PostgreSQL and the processor agree)', f.charges_off === 0 && f.charges_captured === f.sold],
    ["one payout per sale, of the listing's seller_payout_cents (PostgreSQL and the processor agree)", f.payouts_off === 0 && f.payouts_paid === f.sold],
    ["every sold listing made its seller's ticket RESOLD; never two usable tickets for a seat", f.sellers_tickets_resold === f.sold && f.places_with_two_tickets === 0],
    ['reconciliation of the event: OK', r.reconciliation.status === 'OK'],
  ];
}

const ms = (v: number | null): string => (v === null ? '-' : `${v} ms`);

export function renderResale(r: ResaleResult, checks: Array<[string, boolean]>): string {
  const f = r.facts;
  const found = nonZeroCounts(r.reconciliation);
  return [
    `\nResale race (${r.setup.listings} listings, ${r.options.racers} buyers racing for each of ${r.setup.buyers}; ${r.environment.cpus} cores, everything on this machine)`,
    `  setup: ${r.setup.sellers} sellers bought and listed ${r.setup.listings} seats in ${(r.setup.setup_ms / 1000).toFixed(1)} s; event ${r.event_id}`,
    `  race: ${r.race.attempts} purchases at once, all answered in ${(r.race.wall_ms / 1000).toFixed(1)} s; answers ${JSON.stringify(r.race.answers)}`,
    `  purchase latency: all p50 ${ms(r.race.purchase.p50_ms)} p95 ${ms(r.race.purchase.p95_ms)} max ${ms(r.race.purchase.max_ms)}; ` +
      `200 p50 ${ms(r.race.purchase_200.p50_ms)} p95 ${ms(r.race.purchase_200.p95_ms)}; 409 p50 ${ms(r.race.purchase_409.p50_ms)} p95 ${ms(r.race.purchase_409.p95_ms)}`,
    `  listings ${JSON.stringify(f.listings_by_status)}; purchases ${JSON.stringify(f.purchases_by_status)}`,
    `  double sales: ${f.double_sales}; charges per sale: ${ratio(f.charges_captured, f.sold)} (${f.charges_captured} for ${f.sold}); ` +
      `payouts per sale: ${ratio(f.payouts_paid, f.sold)} (${f.payouts_paid}), all paid ${r.payouts_wait_ms} ms after the race`,
    `  reconciliation: ${r.reconciliation.status}${Object.keys(found).length ? ` ${JSON.stringify(found)}` : ''}`,
    `\nChecks (correctness only; the figures are reported, never judged):`,
    ...checks.map(([name, ok]) => `  ${ok ? 'OK  ' : 'FAIL'} ${name}`),
  ].join('\n');
}
