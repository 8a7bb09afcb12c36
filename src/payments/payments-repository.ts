import type { Pool } from 'pg';
import { withTransaction } from '../db/transaction';
import { AppError } from '../domain/errors';
import { PaymentDeclinedError, type PaymentProvider } from './provider';

export interface ChargeCommand {
  reservationId: string;
  paymentMethodId: string;
  amountCents: number;
  idempotencyKey: string;
}

interface PaymentRow {
  id: string;
  status: 'PENDING' | 'SUCCEEDED' | 'DECLINED' | 'REFUNDED';
  failure_code: string | null;
  provider_payment_id: string | null;
}

/**
 * Charges once per idempotency key: the payment row is written before the provider is called, so a
 * retry after a crash asks the provider again with the same key (which it deduplicates) instead of
 * charging a new one. A decline is final for that key and counts as one of the buyer's attempts.
 */
export async function chargeOnce(pool: Pool, provider: PaymentProvider, cmd: ChargeCommand): Promise<{ paymentId: string }> {
  await pool.query(
    `INSERT INTO payments (reservation_id, idempotency_key, payment_method_id, amount_cents, status)
     VALUES ($1, $2, $3, $4, 'PENDING') ON CONFLICT (idempotency_key) DO NOTHING`,
    [cmd.reservationId, cmd.idempotencyKey, cmd.paymentMethodId, cmd.amountCents],
  );
  const { rows } = await pool.query<PaymentRow>(
    'SELECT id, status, failure_code, provider_payment_id FROM payments WHERE idempotency_key = $1',
    [cmd.idempotencyKey],
  );
  const payment = rows[0];
  if (!payment) throw new Error(`payment ${cmd.idempotencyKey} vanished`);
  if (payment.status === 'SUCCEEDED' || payment.status === 'REFUNDED') return { paymentId: payment.id };
  if (payment.status === 'DECLINED') throw declined(payment.failure_code ?? 'card_declined');

  try {
    const { providerPaymentId } = await provider.charge(cmd);
    await pool.query(
      `UPDATE payments SET status = 'SUCCEEDED', provider_payment_id = $2, updated_at = now() WHERE id = $1`,
      [payment.id, providerPaymentId],
    );
    return { paymentId: payment.id };
  } catch (err) {
    if (!(err instanceof PaymentDeclinedError)) throw err;
    await withTransaction(pool, async (db) => {
      const marked = await db.query(
        `UPDATE payments SET status = 'DECLINED', failure_code = $2, updated_at = now() WHERE id = $1 AND status = 'PENDING'`,
        [payment.id, err.declineCode],
      );
      if (marked.rowCount === 1) {
        await db.query(
          `UPDATE reservations SET payment_attempts = payment_attempts + 1,
                  status = CASE WHEN status = 'PAYMENT_PENDING' THEN 'HELD' ELSE status END, updated_at = now()
            WHERE id = $1`,
          [cmd.reservationId],
        );
      }
    });
    throw declined(err.declineCode);
  }
}

/** A payment the provider reported through its webhook (asynchronous methods). Idempotent per provider id. */
export async function recordProviderPayment(
  pool: Pool,
  cmd: { reservationId: string; providerPaymentId: string; amountCents: number },
): Promise<{ paymentId: string }> {
  const { rows } = await pool.query<{ id: string }>(
    `INSERT INTO payments (reservation_id, idempotency_key, provider_payment_id, amount_cents, status)
     VALUES ($1, $2, $3, $4, 'SUCCEEDED')
     ON CONFLICT (idempotency_key) DO UPDATE SET updated_at = payments.updated_at
     RETURNING id`,
    [cmd.reservationId, `webhook:${cmd.providerPaymentId}`, cmd.providerPaymentId, cmd.amountCents],
  );
  const id = rows[0]?.id;
  if (!id) throw new Error('payment insert returned no id');
  return { paymentId: id };
}

/** Gives the money back once; a second call finds the payment refunded already. */
export async function refundOnce(pool: Pool, provider: PaymentProvider, paymentId: string): Promise<void> {
  const { rows } = await pool.query<PaymentRow & { amount_cents: number }>(
    'SELECT id, status, failure_code, provider_payment_id, amount_cents FROM payments WHERE id = $1',
    [paymentId],
  );
  const payment = rows[0];
  if (!payment) throw new Error(`payment ${paymentId} does not exist`);
  if (payment.status === 'REFUNDED') return;
  if (payment.status !== 'SUCCEEDED' || !payment.provider_payment_id) {
    throw new Error(`payment ${paymentId} is ${payment.status} and cannot be refunded`);
  }
  await provider.refund({
    providerPaymentId: payment.provider_payment_id,
    amountCents: payment.amount_cents,
    idempotencyKey: `refund:${payment.id}`,
  });
  await pool.query(`UPDATE payments SET status = 'REFUNDED', updated_at = now() WHERE id = $1`, [paymentId]);
}

function declined(code: string): AppError {
  return new AppError('PAYMENT_DECLINED', 'the payment was declined', { decline_code: code });
}
