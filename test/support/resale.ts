import type { Redis } from 'ioredis';
import type { Pool } from 'pg';
import { simulatedLedger } from '../../src/payments/simulated-provider';
import type { HttpClient } from './http';
import { buyThroughApi as buy } from './purchases';
import { registerBuyer, type ApiEvent, type Buyer } from './scenario';

/** buyThroughApi (support/purchases.ts), answering the whole confirmed reservation: its order, tickets and their resale fields. */
export function buyThroughApi(api: HttpClient, buyer: Buyer, event: ApiEvent, hold: Record<string, unknown>): Promise<any> {
  return buy(api, buyer, event, hold as Parameters<typeof buy>[3]);
}

export function listTicket(api: HttpClient, token: string, ticketId: string, priceCents: number) {
  return api.post(`/api/v1/tickets/${ticketId}/resale`, { price_cents: priceCents }, { token });
}

export function purchase(api: HttpClient, token: string, listingId: string, card = 'pm_card_visa', key?: string) {
  return api.post(`/api/v1/resale/${listingId}/purchase`, { payment_method_id: card }, { token, ...(key ? { headers: { 'X-Idempotency-Key': key } } : {}) });
}

/** A door steward's token (the scanner role, granted by an admin). */
export async function scannerToken(api: HttpClient, admin: string): Promise<string> {
  const steward = await registerBuyer(api, 'Door steward');
  const granted = await api.request('PUT', `/api/v1/admin/users/${steward.id}/role`, { role: 'scanner' }, { token: admin });
  if (granted.status !== 200) throw new Error(`role: ${granted.status}`);
  return steward.token;
}

/** A scan at the door of `eventId` (a scanner works one event's door). */
export const scan = (api: HttpClient, token: string, code: string, eventId: string) =>
  api.post('/api/v1/tickets/validate', { qr_code: code, event_id: eventId }, { token });

/** Everything the platform and the simulated processor recorded about a listing's money. */
export async function moneyOfListing(pool: Pool, redis: Redis, listingId: string) {
  const ledger = simulatedLedger(redis);
  const purchases = await pool.query<{ id: string; status: string; amount_cents: number; buyer_id: string }>(
    'SELECT id, status, amount_cents, buyer_id FROM resale_purchases WHERE listing_id = $1 ORDER BY created_at',
    [listingId],
  );
  const payouts = await pool.query<{ status: string; amount_cents: number; seller_id: string }>(
    'SELECT status, amount_cents, seller_id FROM resale_payouts WHERE listing_id = $1 ORDER BY created_at',
    [listingId],
  );
  return {
    purchases: purchases.rows,
    payouts: payouts.rows,
    /** Charges the processor captured for this listing, whoever the buyer (keys start with the listing id). */
    capturedCharges: await ledger.capturedCharges(listingId),
    /** Payouts the processor made for this listing. */
    paidPayouts: await ledger.paidPayouts(listingId),
  };
}

/** Waits (bounded) until the listing's seller has been paid out: the payout follows the sale's answer. */
export async function payoutPaid(pool: Pool, listingId: string, timeoutMs = 20_000): Promise<void> {
  for (const until = Date.now() + timeoutMs; Date.now() < until; await new Promise((r) => setTimeout(r, 100))) {
    const { rows } = await pool.query(`SELECT 1 FROM resale_payouts WHERE listing_id = $1 AND status = 'PAID'`, [listingId]);
    if (rows.length > 0) return;
  }
  throw new Error(`listing ${listingId} was never paid out`);
}

/** Waits (bounded) until a workflow has finished, whatever its outcome. */
export async function workflowClosed(handle: { result(): Promise<unknown> }): Promise<void> {
  await handle.result().catch(() => undefined);
}
