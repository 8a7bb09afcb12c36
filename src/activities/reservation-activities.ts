import type { Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { Redis } from 'ioredis';
import type { Pool } from 'pg';
import type { GaRequest, ReservationView } from '../domain/reservation';
import { EMAILS_WAIT_IN_OUTBOX, type EmailStarter } from '../email/email-starter';
import { extendHold } from '../inventory/extend';
import { holdInventoryOnce } from '../inventory/hold';
import { announceInventoryChange, countRejection } from '../inventory/inventory-signals';
import { abandonHoldAndOffer, releaseInventory, type ReleaseStatus } from '../inventory/release';
import { sellInventory, type SellResult } from '../inventory/sell';
import { ticketSigner, type TicketKeys } from '../tickets/ticket-keys';
import { createAppMetrics } from './app-metrics';
import { asBusinessFailure, attemptDeadline } from './business-failure';
import { countItems, offerTakeOver, touched } from './inventory-effects';
import { DEFAULT_OFFER_SETTINGS, type OfferSettings } from './offer-workflows';

export interface ReservationActivityDeps {
  pool: Pool;
  redis: Redis;
  /** The key tickets are signed with when a sale issues them. */
  ticketKeys: TicketKeys;
  /** Waiting-list offers made by a release start reservation workflows of their own. */
  temporal: Client;
  /** The rules an offer's reservation workflow runs by (the configuration's payment grace and attempts). */
  offerSettings?: OfferSettings;
  /** Starts the delivery of the emails a sale owes once it has committed. */
  emails?: EmailStarter;
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
  /** Absent from runs of builds before single-use queue tokens. */
  queueTokenId?: string | null;
}

/**
 * The reservation workflow's inventory steps: hold, extend, sell, release (src/inventory does the SQL).
 * Each is idempotent (Temporal may run it again after a lost reply) and turns a business refusal into a
 * non-retryable ApplicationFailure whose type is the contract's code. Its money steps are in
 * payment-activities.ts.
 */
export function createReservationActivities({ pool, redis, ticketKeys, temporal, offerSettings = DEFAULT_OFFER_SETTINGS, emails = EMAILS_WAIT_IN_OUTBOX }: ReservationActivityDeps) {
  const signTicket = ticketSigner(ticketKeys);
  const metrics = createAppMetrics();
  const takeOver = offerTakeOver({ redis, temporal, offerSettings, metrics });

  return {
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

    async sellHold(input: { reservationId: string; paymentId: string }): Promise<SellResult> {
      const result = await asBusinessFailure(() => emails.after(() => sellInventory(pool, { ...input, signTicket })));
      if (result.soldWithThisPayment && !result.alreadySold) {
        metrics.placesSold.add(countItems(result.view));
        await announceInventoryChange(redis, { ...touched(result.view), counter: 'sales', amount: countItems(result.view), cause: 'sale' });
      }
      return result;
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
  };
}

export type ReservationActivities = ReturnType<typeof createReservationActivities>;
