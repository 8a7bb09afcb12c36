import type { Pool, PoolClient } from 'pg';
import { withTransaction } from '../db/transaction';
import { AppError } from '../domain/errors';
import { PaymentDeclinedError, type ChargeResolution, type PaymentProvider } from './provider';

export interface ChargeCommand {
  reservationId: string;
  paymentMethodId: string;
  amountCents: number;
  idempotencyKey: string;
}

type PaymentStatus = 'PENDING' | 'SUCCEEDED' | 'DECLINED' | 'VOIDED' | 'REFUNDING' | 'REFUNDED';

interface PaymentRow {
  id: string;
  reservation_id: string;
  status: PaymentStatus;
  failure_code: string | null;
  provider_payment_id: string | null;
  amount_cents: number;
  /** What stays a sale when its order is refunded: the face value of places its buyer resold (docs/money.md). */
  kept_cents: number;
}

/** How a charge key ended, as the workflow needs it. */
export type SettledCharge =
  | { status: 'SUCCEEDED'; paymentId: string }
  | { status: 'DECLINED'; paymentId: string; declineCode: string; paymentAttempts: number }
  | { status: 'VOIDED'; paymentId: string | null };

const PAYMENT_COLUMNS = 'id, reservation_id, status, failure_code, provider_payment_id, amount_cents, kept_cents';
const UNIQUE_VIOLATION = '23505';

/**
 * Charges once per idempotency key. The PENDING row is committed before the provider is called, so
 * whatever happens next (a crash, a lost answer) the key is known and can be resolved; a retry asks the
 * provider again with the same key, which it deduplicates. Only one charge per reservation may be
 * PENDING at a time (a unique index), and only while the reservation is still open.
 * A decline is final for that key and counts as one of the buyer's attempts.
 */
export async function chargeOnce(pool: Pool, provider: PaymentProvider, cmd: ChargeCommand): Promise<{ paymentId: string }> {
  const payment = await openCharge(pool, cmd);
  if (payment.status !== 'PENDING') {
    // A retry of a key that already has its answer gets that answer again.
    const settled = settledFrom(payment, await attemptsOf(pool, cmd.reservationId));
    if (settled.status === 'SUCCEEDED') return { paymentId: settled.paymentId };
    // A key closed without a charge was not declined: nobody was charged, and the buyer may try again.
    if (settled.status === 'VOIDED') throw new AppError('UNAVAILABLE', 'the payment did not go through and nobody was charged; try again');
    throw declined(settled.declineCode, await attemptsOf(pool, cmd.reservationId));
  }

  let providerPaymentId: string;
  try {
    ({ providerPaymentId } = await provider.charge(cmd));
  } catch (err) {
    if (!(err instanceof PaymentDeclinedError)) throw err; // outcome unknown: the row stays PENDING
    const { marked, attempts } = await recordDecline(pool, payment, err.declineCode);
    // The key was settled (voided) while this request was on the wire: refused because it was closed, not declined.
    if (!marked) throw new AppError('UNAVAILABLE', 'the payment did not go through and nobody was charged; try again');
    throw declined(err.declineCode, attempts);
  }
  return { paymentId: await recordCapture(pool, payment, providerPaymentId) };
}

/**
 * Settles a charge key whose answer was lost: asks the provider, which reports the outcome or closes
 * the key for good, and records it. Idempotent; throws (retryable) while the provider is unreachable.
 */
export async function resolveCharge(
  pool: Pool,
  provider: PaymentProvider,
  cmd: { reservationId: string; idempotencyKey: string },
): Promise<SettledCharge> {
  const existing = await findByKey(pool, cmd.idempotencyKey);
  if (existing && existing.status !== 'PENDING') return settledFrom(existing, await attemptsOf(pool, cmd.reservationId));
  const resolution: ChargeResolution = await provider.resolve(cmd.idempotencyKey);
  if (!existing) {
    // The charge never got as far as its PENDING row, so it was never sent; the provider agrees.
    if (resolution.status !== 'SUCCEEDED') return { status: 'VOIDED', paymentId: null };
    throw new Error(`provider reports a capture for unknown charge key ${cmd.idempotencyKey}`);
  }
  switch (resolution.status) {
    case 'SUCCEEDED':
      return { status: 'SUCCEEDED', paymentId: await recordCapture(pool, existing, resolution.providerPaymentId) };
    case 'DECLINED':
      return { status: 'DECLINED', paymentId: existing.id, declineCode: resolution.declineCode, paymentAttempts: (await recordDecline(pool, existing, resolution.declineCode)).attempts };
    case 'VOIDED':
      await withTransaction(pool, async (db) => {
        const voided = await db.query(`UPDATE payments SET status = 'VOIDED', failure_code = 'voided', updated_at = now() WHERE id = $1 AND status = 'PENDING'`, [existing.id]);
        if (voided.rowCount === 1) await leavePaymentPending(db, existing.reservation_id);
      });
      return { status: 'VOIDED', paymentId: existing.id };
  }
}

export type ProviderPaymentState = 'CAPTURED' | 'SOLD' | 'REFUNDED';

/**
 * A payment the provider reported through its webhook, recorded once per provider payment id however
 * often it is delivered (and whichever path recorded it first). Says whose money it is and whether it
 * still needs a sale or a refund, already paid for an order, or went back.
 */
export async function recordProviderPayment(
  pool: Pool,
  cmd: { reservationId: string; providerPaymentId: string; amountCents: number },
): Promise<{ paymentId: string; state: ProviderPaymentState; reservationId: string }> {
  await pool.query(
    `INSERT INTO payments (reservation_id, idempotency_key, provider_payment_id, amount_cents, status, source)
     VALUES ($1, $2, $3, $4, 'SUCCEEDED', 'WEBHOOK')
     ON CONFLICT DO NOTHING`,
    [cmd.reservationId, `webhook:${cmd.providerPaymentId}`, cmd.providerPaymentId, cmd.amountCents],
  );
  const { rows } = await pool.query<{ id: string; reservation_id: string; status: PaymentStatus; sold: boolean }>(
    `SELECT p.id, p.reservation_id, p.status, EXISTS (SELECT 1 FROM orders o WHERE o.payment_id = p.id AND o.status = 'CONFIRMED') AS sold
       FROM payments p WHERE p.provider_payment_id = $1`,
    [cmd.providerPaymentId],
  );
  const row = rows[0];
  if (!row) throw new Error(`payment ${cmd.providerPaymentId} was neither recorded nor found`);
  const state: ProviderPaymentState = row.sold ? 'SOLD' : row.status === 'REFUNDING' || row.status === 'REFUNDED' ? 'REFUNDED' : 'CAPTURED';
  return { paymentId: row.id, state, reservationId: row.reservation_id };
}

export type RefundOutcome = { refunded: true } | { refunded: false; reason: 'SOLD' | 'NOT_CAPTURED' };

/**
 * Gives captured money back once: all of it, less what its order's refund kept as a sale (the face
 * value of places resold; nothing to send when that is all of it). A payment that pays for a
 * confirmed order is never refunded here (only by refunding that order), and a payment being refunded
 * can no longer pay for a sale: the decision and the REFUNDING mark are taken under the payment's row
 * lock, which a sale takes too.
 */
export async function refundOnce(pool: Pool, provider: PaymentProvider, paymentId: string): Promise<RefundOutcome> {
  const decision = await withTransaction(pool, async (db) => {
    const { rows } = await db.query<PaymentRow & { sold: boolean }>(
      `SELECT ${PAYMENT_COLUMNS},
              EXISTS (SELECT 1 FROM orders o WHERE o.payment_id = payments.id AND o.status = 'CONFIRMED') AS sold
         FROM payments WHERE id = $1 FOR UPDATE`,
      [paymentId],
    );
    const payment = rows[0];
    if (!payment) throw new Error(`payment ${paymentId} does not exist`);
    if (payment.status === 'REFUNDED') return { refunded: true } as const;
    if (payment.sold) return { refunded: false, reason: 'SOLD' } as const;
    if (payment.status === 'SUCCEEDED') {
      await db.query(`UPDATE payments SET status = 'REFUNDING', updated_at = now() WHERE id = $1`, [paymentId]);
    } else if (payment.status !== 'REFUNDING') {
      return { refunded: false, reason: 'NOT_CAPTURED' } as const;
    }
    return payment;
  });
  if ('refunded' in decision) return decision;
  const refundCents = decision.amount_cents - decision.kept_cents;
  if (refundCents > 0) {
    if (!decision.provider_payment_id) throw new Error(`payment ${paymentId} has no provider id to refund`);
    await provider.refund({ providerPaymentId: decision.provider_payment_id, amountCents: refundCents, idempotencyKey: `refund:${decision.id}` });
  }
  await pool.query(`UPDATE payments SET status = 'REFUNDED', refunded_at = now(), updated_at = now() WHERE id = $1 AND status = 'REFUNDING'`, [paymentId]);
  return { refunded: true };
}

async function openCharge(pool: Pool, cmd: ChargeCommand): Promise<PaymentRow> {
  return withTransaction(pool, async (db) => {
    const reservation = await db.query<{ status: string }>('SELECT status FROM reservations WHERE id = $1 FOR UPDATE', [cmd.reservationId]);
    const status = reservation.rows[0]?.status;
    const known = await findByKey(db, cmd.idempotencyKey);
    if (known) return known;
    if (status !== 'HELD' && status !== 'PAYMENT_PENDING') {
      throw new AppError('RESERVATION_NOT_ACTIVE', `reservation is ${status ?? 'missing'}; nobody was charged`);
    }
    try {
      await db.query('SAVEPOINT open_charge');
      await db.query(
        `INSERT INTO payments (reservation_id, idempotency_key, payment_method_id, amount_cents, status)
         VALUES ($1, $2, $3, $4, 'PENDING')`,
        [cmd.reservationId, cmd.idempotencyKey, cmd.paymentMethodId, cmd.amountCents],
      );
    } catch (err) {
      if ((err as { code?: string }).code !== UNIQUE_VIOLATION) throw err;
      await db.query('ROLLBACK TO SAVEPOINT open_charge');
      throw new AppError('PAYMENT_IN_PROGRESS', 'an earlier payment of this reservation has not been resolved yet; nobody was charged again');
    }
    // Every charge sent is one of the buyer's attempts, whatever its outcome (declined, or unknown and voided).
    await db.query(
      `UPDATE reservations SET status = 'PAYMENT_PENDING', payment_attempts = payment_attempts + 1, updated_at = now()
        WHERE id = $1 AND status IN ('HELD', 'PAYMENT_PENDING')`,
      [cmd.reservationId],
    );
    const created = await findByKey(db, cmd.idempotencyKey);
    if (!created) throw new Error(`payment ${cmd.idempotencyKey} vanished`);
    return created;
  });
}

/**
 * Marks the charge captured. If the provider's payment id is already recorded (its webhook arrived
 * first), that row stands for the money and this one is closed, so one capture is one payment row.
 */
async function recordCapture(pool: Pool, payment: PaymentRow, providerPaymentId: string): Promise<string> {
  return withTransaction(pool, async (db) => {
    const other = await db.query<{ id: string }>('SELECT id FROM payments WHERE provider_payment_id = $1 AND id <> $2', [providerPaymentId, payment.id]);
    const recorded = other.rows[0];
    if (recorded) {
      await db.query(`UPDATE payments SET status = 'VOIDED', failure_code = $2, updated_at = now() WHERE id = $1 AND status = 'PENDING'`, [payment.id, `recorded_as:${recorded.id}`]);
      return recorded.id;
    }
    await db.query(
      `UPDATE payments SET status = 'SUCCEEDED', provider_payment_id = $2, updated_at = now() WHERE id = $1 AND status = 'PENDING'`,
      [payment.id, providerPaymentId],
    );
    return payment.id;
  });
}

/** Records a decline once (the attempt was counted when the charge was opened); returns the attempts so far. */
async function recordDecline(pool: Pool, payment: PaymentRow, declineCode: string): Promise<{ marked: boolean; attempts: number }> {
  return withTransaction(pool, async (db) => {
    const marked = await db.query(
      `UPDATE payments SET status = 'DECLINED', failure_code = $2, updated_at = now() WHERE id = $1 AND status = 'PENDING'`,
      [payment.id, declineCode],
    );
    if (marked.rowCount === 1) await leavePaymentPending(db, payment.reservation_id);
    return { marked: marked.rowCount === 1, attempts: await attemptsOf(db, payment.reservation_id) };
  });
}

/** No charge is under way any more: the reservation reads HELD again (if it is still open). */
async function leavePaymentPending(db: PoolClient, reservationId: string): Promise<void> {
  await db.query(`UPDATE reservations SET status = 'HELD', updated_at = now() WHERE id = $1 AND status = 'PAYMENT_PENDING'`, [reservationId]);
}

async function findByKey(db: Pick<Pool, 'query'>, idempotencyKey: string): Promise<PaymentRow | undefined> {
  const { rows } = await db.query<PaymentRow>(`SELECT ${PAYMENT_COLUMNS} FROM payments WHERE idempotency_key = $1`, [idempotencyKey]);
  return rows[0];
}

async function attemptsOf(db: Pick<Pool, 'query'>, reservationId: string): Promise<number> {
  const { rows } = await db.query<{ payment_attempts: number }>('SELECT payment_attempts FROM reservations WHERE id = $1', [reservationId]);
  return rows[0]?.payment_attempts ?? 0;
}

function settledFrom(payment: PaymentRow, paymentAttempts: number): SettledCharge {
  switch (payment.status) {
    case 'DECLINED':
      return { status: 'DECLINED', paymentId: payment.id, declineCode: payment.failure_code ?? 'card_declined', paymentAttempts };
    case 'VOIDED':
      // Closed because the webhook recorded the same capture first: that payment is the outcome.
      if (payment.failure_code?.startsWith('recorded_as:')) return { status: 'SUCCEEDED', paymentId: payment.failure_code.slice('recorded_as:'.length) };
      return { status: 'VOIDED', paymentId: payment.id };
    default:
      return { status: 'SUCCEEDED', paymentId: payment.id };
  }
}

function declined(code: string, paymentAttempts: number): AppError {
  return new AppError('PAYMENT_DECLINED', 'the payment was declined', { decline_code: code, payment_attempts: paymentAttempts });
}
