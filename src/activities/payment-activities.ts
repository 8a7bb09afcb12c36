import { ApplicationFailure } from '@temporalio/common';
import type { Redis } from 'ioredis';
import type { Pool } from 'pg';
import { COUNTERS_KEY } from '../inventory/inventory-signals';
import {
  chargeOnce,
  recordProviderPayment,
  refundOnce,
  resolveCharge,
  type ProviderPaymentState,
  type RefundOutcome,
  type SettledCharge,
} from '../payments/payments-repository';
import type { PaymentProvider } from '../payments/provider';
import { createAppMetrics } from './app-metrics';
import { asBusinessFailure } from './business-failure';

export interface PaymentActivityDeps {
  pool: Pool;
  redis: Redis;
  payments: PaymentProvider;
}

/**
 * Money steps, shared by the workflows that move money (a reservation, a late payment, an order's
 * refund). Each is keyed (src/payments records every charge and refund by its idempotency key), so a
 * retried or repeated step never charges or refunds twice.
 */
export function createPaymentActivities({ pool, redis, payments }: PaymentActivityDeps) {
  const metrics = createAppMetrics();
  return {
    async chargePayment(input: { reservationId: string; paymentMethodId: string; amountCents: number; idempotencyKey: string }): Promise<{ paymentId: string }> {
      try {
        const charged = await asBusinessFailure(() => chargeOnce(pool, payments, input));
        metrics.payments.add(1, { outcome: 'captured' });
        return charged;
      } catch (err) {
        metrics.payments.add(1, { outcome: err instanceof ApplicationFailure && err.type === 'PAYMENT_DECLINED' ? 'declined' : 'unknown' });
        throw err;
      }
    },

    /** The outcome of a charge whose answer was lost; a charge that never happened can no longer happen. */
    async resolveCharge(input: { reservationId: string; idempotencyKey: string }): Promise<SettledCharge> {
      return resolveCharge(pool, payments, input);
    },

    async recordProviderPayment(input: {
      reservationId: string;
      providerPaymentId: string;
      amountCents: number;
    }): Promise<{ paymentId: string; state: ProviderPaymentState; reservationId: string }> {
      return recordProviderPayment(pool, input);
    },

    async refundPayment(input: { paymentId: string }): Promise<RefundOutcome> {
      const outcome = await refundOnce(pool, payments, input.paymentId);
      if (outcome.refunded) {
        metrics.payments.add(1, { outcome: 'refunded' });
        await redis.hincrby(COUNTERS_KEY, 'refunds', 1).catch(() => undefined);
      }
      return outcome;
    },
  };
}

export type PaymentActivities = ReturnType<typeof createPaymentActivities>;
