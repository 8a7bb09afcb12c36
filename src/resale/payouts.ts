import type { Pool } from 'pg';
import { withTransaction } from '../db/transaction';
import { PayoutRefusedError, type PaymentProvider } from '../payments/provider';

interface PayoutRow {
  id: string;
  idempotency_key: string;
  status: 'PENDING' | 'PAID' | 'VOIDED';
  amount_cents: number;
  seller_id: string;
}

export interface PaidOut {
  payoutId: string;
  amountCents: number;
}

/**
 * Pays a sold listing's seller their payout exactly once. Each attempt has its own key
 * (`<listing id>:payout:<n>`) and its PENDING row is committed before the provider is called; a row
 * found PENDING by a later call may have been sent already, so it is settled by its key first (as a
 * charge is): paid, or the key is closed for good and the next attempt gets a new one. At most one
 * attempt is PENDING or PAID per listing (a unique index). Throws (retried) while the provider cannot
 * be reached: the outcome then stays unknown, never "not paid".
 */
export async function payOutOnce(pool: Pool, provider: PaymentProvider, listingId: string): Promise<PaidOut> {
  for (;;) {
    const { payout, fresh } = await openPayout(pool, listingId);
    if (payout.status === 'PAID') return { payoutId: payout.id, amountCents: payout.amount_cents };
    if (!fresh) {
      const resolution = await provider.resolvePayout(payout.idempotency_key);
      if (resolution.status === 'PAID') return recordPaid(pool, payout, resolution.providerPayoutId);
      await pool.query(`UPDATE resale_payouts SET status = 'VOIDED', updated_at = now() WHERE id = $1 AND status = 'PENDING'`, [payout.id]);
      continue;
    }
    let providerPayoutId: string;
    try {
      ({ providerPayoutId } = await provider.payout({ amountCents: payout.amount_cents, destination: payout.seller_id, idempotencyKey: payout.idempotency_key }));
    } catch (err) {
      // Closed while this request was on its way (a later call settled it): that call opens the next attempt.
      if (err instanceof PayoutRefusedError) continue;
      throw err;
    }
    return recordPaid(pool, payout, providerPayoutId);
  }
}

/** The listing's live payout attempt, or a new one (`fresh`) for a SOLD listing that has none. */
async function openPayout(pool: Pool, listingId: string): Promise<{ payout: PayoutRow; fresh: boolean }> {
  return withTransaction(pool, async (db) => {
    const listing = await db.query<{ status: string; seller_id: string; seller_payout_cents: number }>(
      'SELECT status, seller_id, seller_payout_cents FROM resale_listings WHERE id = $1 FOR UPDATE',
      [listingId],
    );
    const sold = listing.rows[0];
    if (sold?.status !== 'SOLD') throw new Error(`listing ${listingId} is ${sold?.status ?? 'missing'}: nothing to pay out`);
    const live = await db.query<PayoutRow>(
      `SELECT id, idempotency_key, status, amount_cents, seller_id FROM resale_payouts WHERE listing_id = $1 AND status IN ('PENDING', 'PAID')`,
      [listingId],
    );
    if (live.rows[0]) return { payout: live.rows[0], fresh: false };
    const attempts = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM resale_payouts WHERE listing_id = $1', [listingId]);
    const created = await db.query<PayoutRow>(
      `INSERT INTO resale_payouts (listing_id, seller_id, idempotency_key, amount_cents, status)
       VALUES ($1, $2, $3, $4, 'PENDING') RETURNING id, idempotency_key, status, amount_cents, seller_id`,
      [listingId, sold.seller_id, `${listingId}:payout:${(attempts.rows[0]?.n ?? 0) + 1}`, sold.seller_payout_cents],
    );
    return { payout: created.rows[0]!, fresh: true };
  });
}

async function recordPaid(pool: Pool, payout: PayoutRow, providerPayoutId: string): Promise<PaidOut> {
  await pool.query(
    `UPDATE resale_payouts SET status = 'PAID', provider_payout_id = $2, paid_at = now(), updated_at = now() WHERE id = $1 AND status = 'PENDING'`,
    [payout.id, providerPayoutId],
  );
  return { payoutId: payout.id, amountCents: payout.amount_cents };
}
