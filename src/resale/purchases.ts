import type { Pool } from 'pg';
import { withTransaction, type Queryable } from '../db/transaction';
import { AppError } from '../domain/errors';
import { PaymentDeclinedError, type PaymentProvider } from '../payments/provider';
import type { RefundOutcome } from '../payments/payments-repository';

/**
 * A buyer's charges for a listing (resale_purchases), with the rules of a reservation's payments
 * (src/payments/payments-repository.ts, docs/money.md): the PENDING row is committed before the
 * processor is called, one charge per listing is in flight at a time, a lost answer is settled by its
 * key before any new charge, and money goes back once, by `refund:resale:<purchase id>`.
 */
export interface PurchaseChargeCommand {
  listingId: string;
  buyerId: string;
  paymentMethodId: string;
  amountCents: number;
  idempotencyKey: string;
}

type PurchaseStatus = 'PENDING' | 'SUCCEEDED' | 'DECLINED' | 'VOIDED' | 'REFUNDING' | 'REFUNDED';

interface PurchaseRow {
  id: string;
  listing_id: string;
  status: PurchaseStatus;
  failure_code: string | null;
  provider_payment_id: string | null;
  amount_cents: number;
}

/** How a purchase's charge key ended. */
export type SettledPurchase =
  | { status: 'SUCCEEDED'; purchaseId: string }
  | { status: 'DECLINED'; purchaseId: string; declineCode: string }
  | { status: 'VOIDED'; purchaseId: string | null };

const COLUMNS = 'id, listing_id, status, failure_code, provider_payment_id, amount_cents';
const UNIQUE_VIOLATION = '23505';

/** Charges once per key, only while the listing is LISTED; a decline is final for that key. */
export async function chargePurchaseOnce(pool: Pool, provider: PaymentProvider, cmd: PurchaseChargeCommand): Promise<{ purchaseId: string }> {
  const purchase = await openPurchase(pool, cmd);
  if (purchase.status !== 'PENDING') {
    const settled = settledFrom(purchase);
    if (settled.status === 'SUCCEEDED') return { purchaseId: settled.purchaseId };
    if (settled.status === 'VOIDED') throw notCharged();
    throw declined(settled.declineCode);
  }
  let providerPaymentId: string;
  try {
    ({ providerPaymentId } = await provider.charge(cmd));
  } catch (err) {
    if (!(err instanceof PaymentDeclinedError)) throw err; // outcome unknown: the row stays PENDING
    if (!(await mark(pool, purchase.id, 'DECLINED', { failureCode: err.declineCode }))) throw notCharged();
    throw declined(err.declineCode);
  }
  await mark(pool, purchase.id, 'SUCCEEDED', { providerPaymentId });
  return { purchaseId: purchase.id };
}

/** Settles a charge key whose answer was lost: the provider reports the outcome or closes the key for good. */
export async function resolvePurchase(pool: Pool, provider: PaymentProvider, idempotencyKey: string): Promise<SettledPurchase> {
  const existing = await findByKey(pool, idempotencyKey);
  if (existing && existing.status !== 'PENDING') return settledFrom(existing);
  const resolution = await provider.resolve(idempotencyKey);
  if (!existing) {
    // Never got as far as its PENDING row, so never sent; the provider agrees.
    if (resolution.status !== 'SUCCEEDED') return { status: 'VOIDED', purchaseId: null };
    throw new Error(`provider reports a capture for unknown purchase key ${idempotencyKey}`);
  }
  switch (resolution.status) {
    case 'SUCCEEDED':
      await mark(pool, existing.id, 'SUCCEEDED', { providerPaymentId: resolution.providerPaymentId });
      return { status: 'SUCCEEDED', purchaseId: existing.id };
    case 'DECLINED':
      await mark(pool, existing.id, 'DECLINED', { failureCode: resolution.declineCode });
      return { status: 'DECLINED', purchaseId: existing.id, declineCode: resolution.declineCode };
    case 'VOIDED':
      await mark(pool, existing.id, 'VOIDED', { failureCode: 'voided' });
      return { status: 'VOIDED', purchaseId: existing.id };
  }
}

/**
 * Gives a purchase's money back once. Money that bought a place stays sold unless that place's order is
 * refunded (which marks it REFUNDING in the refund's own transaction); the decision and the REFUNDING
 * mark are taken under the purchase's row lock, which the sale takes too.
 */
export async function refundPurchaseOnce(pool: Pool, provider: PaymentProvider, purchaseId: string): Promise<RefundOutcome> {
  const decision = await withTransaction(pool, async (db) => {
    const { rows } = await db.query<PurchaseRow & { sold: boolean }>(
      `SELECT ${COLUMNS},
              EXISTS (SELECT 1 FROM resale_listings l JOIN orders o ON o.id = l.order_id
                       WHERE l.purchase_id = resale_purchases.id AND l.status = 'SOLD' AND o.status = 'CONFIRMED') AS sold
         FROM resale_purchases WHERE id = $1 FOR UPDATE`,
      [purchaseId],
    );
    const purchase = rows[0];
    if (!purchase) throw new Error(`purchase ${purchaseId} does not exist`);
    if (purchase.status === 'REFUNDED') return { refunded: true } as const;
    if (purchase.sold) return { refunded: false, reason: 'SOLD' } as const;
    if (purchase.status === 'SUCCEEDED') {
      await db.query(`UPDATE resale_purchases SET status = 'REFUNDING', updated_at = now() WHERE id = $1`, [purchaseId]);
    } else if (purchase.status !== 'REFUNDING') {
      return { refunded: false, reason: 'NOT_CAPTURED' } as const;
    }
    return purchase;
  });
  if ('refunded' in decision) return decision;
  if (!decision.provider_payment_id) throw new Error(`purchase ${purchaseId} has no provider id to refund`);
  await provider.refund({ providerPaymentId: decision.provider_payment_id, amountCents: decision.amount_cents, idempotencyKey: `refund:resale:${decision.id}` });
  await pool.query(`UPDATE resale_purchases SET status = 'REFUNDED', refunded_at = now(), updated_at = now() WHERE id = $1 AND status = 'REFUNDING'`, [purchaseId]);
  return { refunded: true };
}

/** The PENDING row, committed before the processor is called; refused while the listing is not LISTED. */
async function openPurchase(pool: Pool, cmd: PurchaseChargeCommand): Promise<PurchaseRow> {
  return withTransaction(pool, async (db) => {
    const listing = await db.query<{ status: string }>('SELECT status FROM resale_listings WHERE id = $1 FOR UPDATE', [cmd.listingId]);
    const known = await findByKey(db, cmd.idempotencyKey);
    if (known) return known;
    const status = listing.rows[0]?.status;
    if (status !== 'LISTED') {
      throw new AppError('LISTING_UNAVAILABLE', `the listing is ${status ?? 'missing'}; nobody was charged`, { listing_status: status ?? null });
    }
    try {
      await db.query('SAVEPOINT open_purchase');
      await db.query(
        `INSERT INTO resale_purchases (listing_id, buyer_id, idempotency_key, payment_method_id, amount_cents, status)
         VALUES ($1, $2, $3, $4, $5, 'PENDING')`,
        [cmd.listingId, cmd.buyerId, cmd.idempotencyKey, cmd.paymentMethodId, cmd.amountCents],
      );
    } catch (err) {
      if ((err as { code?: string }).code !== UNIQUE_VIOLATION) throw err;
      await db.query('ROLLBACK TO SAVEPOINT open_purchase');
      throw new AppError('PAYMENT_IN_PROGRESS', 'an earlier payment for this listing has not been resolved yet; nobody was charged');
    }
    const created = await findByKey(db, cmd.idempotencyKey);
    if (!created) throw new Error(`purchase ${cmd.idempotencyKey} vanished`);
    return created;
  });
}

/** Moves a PENDING charge to its outcome; false when it had been settled otherwise meanwhile. */
async function mark(
  pool: Pool,
  purchaseId: string,
  status: 'SUCCEEDED' | 'DECLINED' | 'VOIDED',
  facts: { providerPaymentId?: string; failureCode?: string },
): Promise<boolean> {
  const { rowCount } = await pool.query(
    `UPDATE resale_purchases SET status = $2, provider_payment_id = COALESCE($3, provider_payment_id), failure_code = $4, updated_at = now()
      WHERE id = $1 AND status = 'PENDING'`,
    [purchaseId, status, facts.providerPaymentId ?? null, facts.failureCode ?? null],
  );
  return rowCount === 1;
}

async function findByKey(db: Queryable, idempotencyKey: string): Promise<PurchaseRow | undefined> {
  const { rows } = await db.query<PurchaseRow>(`SELECT ${COLUMNS} FROM resale_purchases WHERE idempotency_key = $1`, [idempotencyKey]);
  return rows[0];
}

function settledFrom(purchase: PurchaseRow): SettledPurchase {
  switch (purchase.status) {
    case 'DECLINED':
      return { status: 'DECLINED', purchaseId: purchase.id, declineCode: purchase.failure_code ?? 'card_declined' };
    case 'VOIDED':
      return { status: 'VOIDED', purchaseId: purchase.id };
    default:
      return { status: 'SUCCEEDED', purchaseId: purchase.id };
  }
}

function declined(code: string): AppError {
  return new AppError('PAYMENT_DECLINED', 'the payment was declined; the listing is still for sale', { decline_code: code });
}

function notCharged(): AppError {
  return new AppError('UNAVAILABLE', 'the payment did not go through and nobody was charged; try again');
}
