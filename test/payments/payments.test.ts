import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Pool } from 'pg';
import { createPool } from '../../src/db/pool';
import { holdInventory } from '../../src/inventory/hold';
import { sellInventory } from '../../src/inventory/sell';
import { chargeOnce, recordProviderPayment, refundOnce, resolveCharge } from '../../src/payments/payments-repository';
import { PaymentTransientError, type PaymentProvider } from '../../src/payments/provider';
import { createSimulatedProvider, simulatedLedger } from '../../src/payments/simulated-provider';
import { createRedis } from '../../src/shared/clients';
import { testConfig, testTicketKeys } from '../support/env';
import { ticketSigner } from '../../src/tickets/ticket-keys';
import { createUser, seedEvent } from '../support/fixtures';

const signTicket = ticketSigner(testTicketKeys());
let pool: Pool;
let redis: Redis;
let provider: PaymentProvider;
beforeAll(() => {
  const config = testConfig();
  pool = createPool(config);
  redis = createRedis(config);
  provider = createSimulatedProvider(redis, { slowMs: 300 });
});
afterAll(async () => {
  await pool?.end();
  redis?.disconnect();
});

async function heldReservation(): Promise<{ reservationId: string; total: number }> {
  const { event, gaSectionIds } = await seedEvent(pool, { ga: [{ capacity: 10, price_cents: 2500 }] });
  const user = await createUser(pool);
  const view = await holdInventory(pool, {
    reservationId: randomUUID(),
    eventId: event.id,
    userId: user.id,
    seatIds: [],
    ga: [{ section_id: gaSectionIds[0]!, quantity: 2 }],
    heldUntil: new Date(Date.now() + 600_000),
    maxExtensions: 1,
    idempotencyKey: null,
  });
  return { reservationId: view.reservation_id, total: view.total_price_cents };
}

async function paymentRow(id: string): Promise<{ status: string; provider_payment_id: string | null }> {
  const { rows } = await pool.query('SELECT status, provider_payment_id FROM payments WHERE id = $1', [id]);
  return rows[0];
}

/** A processor that takes the money and then loses its answer, as after a timeout. */
function losingAnswers(inner: PaymentProvider): PaymentProvider {
  return {
    ...inner,
    async charge(request) {
      await inner.charge(request);
      throw new PaymentTransientError('timed out after the request was sent');
    },
  };
}

describe('provider notifications delivered more than once', () => {
  test('the same provider payment reported twice is one payment; once it pays for an order it is never refunded outside the order', async () => {
    const { reservationId, total } = await heldReservation();
    const providerPaymentId = `pay_${randomUUID()}`;
    const first = await recordProviderPayment(pool, { reservationId, providerPaymentId, amountCents: total });
    const again = await recordProviderPayment(pool, { reservationId, providerPaymentId, amountCents: total });
    expect(again).toEqual(first);
    expect(first.state).toBe('CAPTURED');

    await sellInventory(pool, { reservationId, paymentId: first.paymentId, signTicket });
    expect(await recordProviderPayment(pool, { reservationId, providerPaymentId, amountCents: total })).toEqual({ paymentId: first.paymentId, state: 'SOLD', reservationId });
    expect(await refundOnce(pool, provider, first.paymentId)).toEqual({ refunded: false, reason: 'SOLD' });
    expect((await paymentRow(first.paymentId)).status).toBe('SUCCEEDED');
    // The schema holds the line too.
    await expect(pool.query(`UPDATE payments SET status = 'REFUNDED' WHERE id = $1`, [first.paymentId])).rejects.toThrow(/confirmed order/);
  });

  test('a webhook that reports a charge the platform made itself is the same payment, not a second one', async () => {
    const { reservationId, total } = await heldReservation();
    const charged = await chargeOnce(pool, provider, { reservationId, paymentMethodId: 'pm_card_visa', amountCents: total, idempotencyKey: `${reservationId}:charge:1` });
    const { provider_payment_id } = await paymentRow(charged.paymentId);
    const notified = await recordProviderPayment(pool, { reservationId, providerPaymentId: provider_payment_id!, amountCents: total });
    expect(notified.paymentId).toBe(charged.paymentId);
    const { rows } = await pool.query('SELECT count(*)::int AS n FROM payments WHERE reservation_id = $1', [reservationId]);
    expect(rows[0].n).toBe(1);
  });
});

describe('a charge whose outcome is unknown', () => {
  test('it stays PENDING, a new charge of the same reservation is refused until it is settled, and settling finds the money', async () => {
    const { reservationId, total } = await heldReservation();
    const key = `${reservationId}:charge:1`;
    await expect(chargeOnce(pool, losingAnswers(provider), { reservationId, paymentMethodId: 'pm_card_visa', amountCents: total, idempotencyKey: key })).rejects.toThrow(/timed out/);
    const pending = await pool.query('SELECT id, status FROM payments WHERE idempotency_key = $1', [key]);
    expect(pending.rows[0].status).toBe('PENDING');

    await expect(
      chargeOnce(pool, provider, { reservationId, paymentMethodId: 'pm_card_visa', amountCents: total, idempotencyKey: `${reservationId}:charge:2` }),
    ).rejects.toMatchObject({ code: 'PAYMENT_IN_PROGRESS' });

    const settled = await resolveCharge(pool, provider, { reservationId, idempotencyKey: key });
    expect(settled).toEqual({ status: 'SUCCEEDED', paymentId: pending.rows[0].id });
    expect(await simulatedLedger(redis).capturedCharges(reservationId)).toHaveLength(1);
  });

  test('a charge that never reached the processor is voided by settling it: the request arriving late is refused and nobody is charged', async () => {
    const { reservationId, total } = await heldReservation();
    const key = `${reservationId}:charge:1`;
    // The slow card is still "on the wire" when the platform settles the key.
    const late = chargeOnce(pool, provider, { reservationId, paymentMethodId: 'pm_card_slow', amountCents: total, idempotencyKey: key }).catch((e: unknown) => e);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await resolveCharge(pool, provider, { reservationId, idempotencyKey: key })).toMatchObject({ status: 'VOIDED' });
    // Not a decline (nothing was declined, and no attempt of the buyer is lost to it): a 503 to try again.
    expect(await late).toMatchObject({ code: 'UNAVAILABLE' });
    expect(await simulatedLedger(redis).capturedCharges(reservationId)).toEqual([]);
    const { rows } = await pool.query<{ status: string }>('SELECT status FROM reservations WHERE id = $1', [reservationId]);
    expect(rows[0]?.status).toBe('HELD');
  });

  test('money that is being refunded can no longer pay for a sale, and an order needs captured money', async () => {
    const { reservationId, total } = await heldReservation();
    const { paymentId } = await chargeOnce(pool, provider, { reservationId, paymentMethodId: 'pm_card_visa', amountCents: total, idempotencyKey: `${reservationId}:charge:1` });
    expect(await refundOnce(pool, provider, paymentId)).toEqual({ refunded: true });
    await expect(sellInventory(pool, { reservationId, paymentId, signTicket })).rejects.toMatchObject({ code: 'PAYMENT_NOT_CAPTURED' });
    const user = await pool.query('SELECT user_id, event_id FROM reservations WHERE id = $1', [reservationId]);
    await expect(
      pool.query('INSERT INTO orders (reservation_id, user_id, event_id, payment_id, total_cents) VALUES ($1, $2, $3, $4, $5)', [
        reservationId,
        user.rows[0].user_id,
        user.rows[0].event_id,
        paymentId,
        total,
      ]),
    ).rejects.toThrow(/captured payment/);
  });
});
