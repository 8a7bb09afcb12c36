import { ApplicationFailure } from '@temporalio/common';
import type { Redis } from 'ioredis';
import type { Pool } from 'pg';
import { AppError } from '../domain/errors';
import type { GaRequest, ReservationView } from '../domain/reservation';
import { extendHold, markPaymentPending } from '../inventory/extend';
import { holdInventory } from '../inventory/hold';
import { announceInventoryChange, countRejection } from '../inventory/inventory-signals';
import { releaseInventory, type ReleaseStatus } from '../inventory/release';
import { sellInventory } from '../inventory/sell';
import { chargeOnce, recordProviderPayment, refundOnce } from '../payments/payments-repository';
import type { PaymentProvider } from '../payments/provider';

export interface ActivityDeps {
  pool: Pool;
  redis: Redis;
  payments: PaymentProvider;
}

export interface HoldActivityInput {
  reservationId: string;
  eventId: string;
  userId: string;
  seatIds: string[];
  ga: GaRequest[];
  heldUntil: string;
  maxExtensions: number;
  idempotencyKey: string | null;
}

/**
 * The reservation workflow's side effects. Each one is idempotent (Temporal may run it again after a
 * lost reply) and turns a business refusal into a non-retryable ApplicationFailure whose type is the
 * contract's error code; anything else is thrown as is and retried with backoff.
 */
export function createActivities({ pool, redis, payments }: ActivityDeps) {
  return {
    async holdInventory(input: HoldActivityInput): Promise<ReservationView> {
      const view = await asBusinessFailure(() =>
        holdInventory(pool, { ...input, heldUntil: new Date(input.heldUntil) }),
      ).catch(async (err: unknown) => {
        if (err instanceof ApplicationFailure) await countRejection(redis);
        throw err;
      });
      await announceInventoryChange(redis, view.event_id, 'holds', countItems(view));
      return view;
    },

    async extendHold(input: { reservationId: string; heldUntil: string; kind: 'EXTENSION' | 'PAYMENT_GRACE' }): Promise<ReservationView> {
      return asBusinessFailure(() => extendHold(pool, { ...input, heldUntil: new Date(input.heldUntil) }));
    },

    async markPaymentPending(input: { reservationId: string; pending?: boolean }): Promise<ReservationView> {
      return markPaymentPending(pool, input.reservationId, input.pending ?? true);
    },

    async chargePayment(input: {
      reservationId: string;
      paymentMethodId: string;
      amountCents: number;
      idempotencyKey: string;
    }): Promise<{ paymentId: string }> {
      return asBusinessFailure(() => chargeOnce(pool, payments, input));
    },

    async recordProviderPayment(input: {
      reservationId: string;
      providerPaymentId: string;
      amountCents: number;
    }): Promise<{ paymentId: string }> {
      return recordProviderPayment(pool, input);
    },

    async sellInventory(input: { reservationId: string; paymentId: string }): Promise<ReservationView> {
      const view = await asBusinessFailure(() => sellInventory(pool, input));
      await announceInventoryChange(redis, view.event_id, 'sales', countItems(view));
      return view;
    },

    async releaseInventory(input: {
      reservationId: string;
      status: ReleaseStatus;
      reason: string;
    }): Promise<ReservationView> {
      const { view, released } = await releaseInventory(pool, { ...input, actor: `workflow:${input.reason}` });
      if (released > 0) await announceInventoryChange(redis, view.event_id, 'releases', released);
      return { ...view, seats_released: countItems(view) };
    },

    async refundPayment(input: { paymentId: string }): Promise<void> {
      await refundOnce(pool, payments, input.paymentId);
      await countRefund(redis);
    },
  };
}

export type ReservationActivities = ReturnType<typeof createActivities>;

function countItems(view: ReservationView): number {
  return view.seats.length + view.ga.reduce((sum, g) => sum + g.quantity, 0);
}

async function countRefund(redis: Redis): Promise<void> {
  await redis.hincrby('metrics:inventory', 'refunds', 1).catch(() => undefined);
}

async function asBusinessFailure<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof AppError) {
      throw ApplicationFailure.create({
        type: err.code,
        message: err.message,
        nonRetryable: true,
        details: [err.details],
      });
    }
    throw err;
  }
}
