import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { Redis } from 'ioredis';
import type { Pool } from 'pg';
import { AppError } from '../domain/errors';
import type { GaRequest, ReservationView } from '../domain/reservation';
import { extendHold, markPaymentPending } from '../inventory/extend';
import type { OrderStatus } from '../orders/orders-repository';
import { beginOrderRefund, completeOrderRefund, type RefundStart } from '../orders/refund-order';
import { holdInventoryOnce } from '../inventory/hold';
import { announceInventoryChange, countRejection } from '../inventory/inventory-signals';
import { abandonHoldAndOffer, releaseInventory, type ReleaseStatus } from '../inventory/release';
import { sellInventory, type SellResult } from '../inventory/sell';
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
import { ticketSigner, type TicketKeys } from '../tickets/ticket-keys';
import { createAppMetrics } from './app-metrics';
import type { WaitlistOffer } from '../waitlist/offer-places';
import { createOperationsActivities } from './operations-activities';
import { DEFAULT_OFFER_SETTINGS, startOfferWorkflows, type OfferSettings } from './offer-workflows';

export interface ActivityDeps {
  pool: Pool;
  redis: Redis;
  payments: PaymentProvider;
  /** The key tickets are signed with when a sale issues them. */
  ticketKeys: TicketKeys;
  /** Operators' workflows act through the reservations' own workflows; waiting-list offers start theirs. */
  temporal: Client;
  /** The rules an offer's reservation workflow runs by (the configuration's payment grace and attempts). */
  offerSettings?: OfferSettings;
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
  requestHash?: string | null;
}

/**
 * The reservation workflow's side effects. Each one is idempotent (Temporal may run it again after a
 * lost reply) and turns a business refusal into a non-retryable ApplicationFailure whose type is the
 * contract's error code; anything else is thrown as is and retried with backoff.
 */
export function createActivities({ pool, redis, payments, ticketKeys, temporal, offerSettings = DEFAULT_OFFER_SETTINGS }: ActivityDeps) {
  const signTicket = ticketSigner(ticketKeys);
  const metrics = createAppMetrics();

  /**
   * Freed places that became waiting-list holds: announced (once, by the call that made them) and
   * handed to workflows of their own (by every call, which is harmless: see startOfferWorkflows).
   */
  async function takeOver(offers: WaitlistOffer[], madeNow: boolean): Promise<void> {
    if (offers.length === 0) return;
    if (madeNow) {
      const places = offers.reduce((sum, o) => sum + o.seatIds.length + o.ga.reduce((n, g) => n + g.quantity, 0), 0);
      metrics.placesHeld.add(places);
      await announceInventoryChange(redis, {
        eventId: offers[0]!.eventId,
        counter: 'holds',
        amount: places,
        cause: 'offer',
        seatIds: offers.flatMap((o) => o.seatIds),
        gaSectionIds: offers.flatMap((o) => o.ga.map((g) => g.section_id)),
      });
    }
    await startOfferWorkflows(temporal, offerSettings, offers);
  }

  async function sell(input: { reservationId: string; paymentId: string }): Promise<SellResult> {
    const result = await asBusinessFailure(() => sellInventory(pool, { ...input, signTicket }));
    if (result.soldWithThisPayment && !result.alreadySold) {
      metrics.placesSold.add(countItems(result.view));
      await announceInventoryChange(redis, { ...touched(result.view), counter: 'sales', amount: countItems(result.view), cause: 'sale' });
    }
    return result;
  }

  return {
    ...createOperationsActivities({ pool, temporal }),

    /** The floor workflow's step: does nothing, so the benchmark measures Temporal's own cost alone. */
    async floorStep(): Promise<void> {},

    async holdInventory(input: HoldActivityInput): Promise<ReservationView> {
      const mustCommitBy = attemptDeadline();
      const { view, created } = await asBusinessFailure(() =>
        holdInventoryOnce(pool, { ...input, heldUntil: new Date(input.heldUntil), ...(mustCommitBy ? { mustCommitBy } : {}) }),
      ).catch(async (err: unknown) => {
        if (err instanceof ApplicationFailure) {
          metrics.holdsRefused.add(1, { code: err.type ?? 'UNKNOWN' });
          await countRejection(redis);
        }
        throw err;
      });
      // A hold an earlier attempt (or a waiting-list offer) made was counted and announced then.
      if (created) {
        metrics.placesHeld.add(countItems(view));
        await announceInventoryChange(redis, { ...touched(view), counter: 'holds', amount: countItems(view), cause: 'hold' });
      }
      return view;
    },

    /** Undoes a hold whose outcome the workflow never learned (every attempt failed or timed out). */
    async abandonHold(input: { reservationId: string }): Promise<{ abandoned: boolean }> {
      const { abandoned, offers } = await abandonHoldAndOffer(pool, input.reservationId);
      await takeOver(offers, abandoned);
      return { abandoned };
    },

    async extendHold(input: { reservationId: string; heldUntil: string; kind: 'EXTENSION' | 'PAYMENT_GRACE' }): Promise<ReservationView> {
      return asBusinessFailure(() => extendHold(pool, { ...input, heldUntil: new Date(input.heldUntil) }));
    },

    /** Used by reservation runs started before charges marked the payment under way themselves. */
    async markPaymentPending(input: { reservationId: string; pending?: boolean }): Promise<ReservationView> {
      return markPaymentPending(pool, input.reservationId, input.pending ?? true);
    },

    async chargePayment(input: {
      reservationId: string;
      paymentMethodId: string;
      amountCents: number;
      idempotencyKey: string;
    }): Promise<{ paymentId: string }> {
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

    /** Used by reservation runs started before a sale reported which payment paid for it. */
    async sellInventory(input: { reservationId: string; paymentId: string }): Promise<ReservationView> {
      return (await sell(input)).view;
    },

    async sellHold(input: { reservationId: string; paymentId: string }): Promise<SellResult> {
      return sell(input);
    },

    async releaseInventory(input: { reservationId: string; status: ReleaseStatus; reason: string }): Promise<ReservationView> {
      const { view, releasedSeats, releasedGa, repeated, offers } = await releaseInventory(pool, { ...input, actor: `workflow:${input.reason}` });
      const released = releasedSeats.length + releasedGa.reduce((sum, g) => sum + g.quantity, 0);
      if (released > 0 && !repeated) {
        metrics.placesReleased.add(released, { cause: input.reason });
        if (input.reason === 'HOLD_EXPIRED') metrics.releaseLag.record(Math.max(0, Date.now() - Date.parse(view.held_until)) / 1000);
        await announceInventoryChange(redis, {
          eventId: view.event_id,
          counter: 'releases',
          amount: released,
          cause: 'release',
          seatIds: releasedSeats,
          gaSectionIds: releasedGa.map((g) => g.section_id),
        });
      }
      await takeOver(offers, !repeated);
      return { ...view, seats_released: releasedSeats, ga_released: releasedGa };
    },

    /** An order's refund begins: tickets cancelled and inventory back on sale, in one transaction. */
    async beginOrderRefund(input: { orderId: string; actor: string; reason: string }): Promise<Omit<RefundStart, 'offers'>> {
      const { offers, ...started } = await asBusinessFailure(() => beginOrderRefund(pool, input));
      const returned = started.seatsReleased.length + started.gaReleased.reduce((sum, g) => sum + g.quantity, 0);
      if (returned > 0) {
        metrics.placesRefunded.add(returned);
        const { rows } = await pool.query<{ event_id: string }>('SELECT event_id FROM orders WHERE id = $1', [input.orderId]);
        if (rows[0]) {
          await announceInventoryChange(redis, {
            eventId: rows[0].event_id,
            counter: 'releases',
            amount: returned,
            cause: 'refund',
            seatIds: started.seatsReleased,
            gaSectionIds: started.gaReleased.map((g) => g.section_id),
          });
        }
      }
      await takeOver(offers, returned > 0);
      return started;
    },

    async completeOrderRefund(input: { orderId: string }): Promise<OrderStatus> {
      return completeOrderRefund(pool, input.orderId);
    },

    async refundPayment(input: { paymentId: string }): Promise<RefundOutcome> {
      const outcome = await refundOnce(pool, payments, input.paymentId);
      if (outcome.refunded) {
        metrics.payments.add(1, { outcome: 'refunded' });
        await countRefund(redis);
      }
      return outcome;
    },
  };
}

export type ReservationActivities = ReturnType<typeof createActivities>;

/** The places of a reservation, as a change names them. */
function touched(view: ReservationView): { eventId: string; seatIds: string[]; gaSectionIds: string[] } {
  return { eventId: view.event_id, seatIds: view.seats.map((s) => s.seat_id), gaSectionIds: view.ga.map((g) => g.section_id) };
}

function countItems(view: ReservationView): number {
  return view.seats.length + view.ga.reduce((sum, g) => sum + g.quantity, 0);
}

async function countRefund(redis: Redis): Promise<void> {
  await redis.hincrby('metrics:inventory', 'refunds', 1).catch(() => undefined);
}

/** When Temporal stops waiting for this attempt; null outside an activity (direct calls in tests). */
function attemptDeadline(): Date | null {
  let info;
  try {
    info = Context.current().info;
  } catch {
    return null;
  }
  const deadlines = [
    info.startToCloseTimeoutMs ? (info.currentAttemptScheduledTimestampMs || Date.now()) + info.startToCloseTimeoutMs : Infinity,
    info.scheduleToCloseTimeoutMs ? info.scheduledTimestampMs + info.scheduleToCloseTimeoutMs : Infinity,
  ];
  const deadline = Math.min(...deadlines);
  return Number.isFinite(deadline) ? new Date(deadline) : null;
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
