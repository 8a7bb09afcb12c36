import { Context } from '@temporalio/activity';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { ReservationInput } from '../domain/reservation';
import type { WaitlistOffer } from '../waitlist/offer-places';
import { EventIdKey, ReservationStatusKey, UserIdKey } from '../workflows/definitions';
import { RESERVATION_WORKFLOW_TYPE, reservationWorkflowId } from '../workflows/ids';

/** What an offer's reservation workflow needs beyond the offer: the rules every reservation runs by. */
export interface OfferSettings {
  /** The reservations' task queue; by default the one the calling activity runs on. */
  taskQueue?: string;
  paymentGraceSeconds: number;
  maxPaymentAttempts: number;
}

/** The configuration's defaults, for callers that do not pass settings (tests that build activities by hand). */
export const DEFAULT_OFFER_SETTINGS: OfferSettings = { paymentGraceSeconds: 60, maxPaymentAttempts: 3 };

/**
 * Starts the reservation workflow of each waiting-list offer: its hold exists already, and the
 * workflow's hold step adopts it (held_until included), then sleeps until it and sells or releases
 * like any hold; a release of an unpaid offer offers the places to the next fan in line. The
 * workflow id comes from the reservation id with USE_EXISTING, and a finished one is not started
 * again, so the retry of a step that started some of them starts nothing twice.
 */
export async function startOfferWorkflows(temporal: Client, settings: OfferSettings, offers: readonly WaitlistOffer[]): Promise<void> {
  if (offers.length === 0) return;
  const taskQueue = settings.taskQueue ?? Context.current().info.taskQueue;
  await Promise.all(
    offers.map(async (offer) => {
      const input: ReservationInput = {
        reservationId: offer.reservationId,
        eventId: offer.eventId,
        userId: offer.userId,
        seatIds: offer.seatIds,
        ga: offer.ga,
        holdSeconds: offer.holdSeconds,
        extensionSeconds: offer.holdSeconds,
        maxExtensions: offer.maxExtensions,
        paymentGraceSeconds: settings.paymentGraceSeconds,
        maxPaymentAttempts: settings.maxPaymentAttempts,
        idempotencyKey: null,
        requestHash: null,
        adoptsOffer: true,
      };
      try {
        await temporal.workflow.start(RESERVATION_WORKFLOW_TYPE, {
          workflowId: reservationWorkflowId(offer.reservationId),
          taskQueue,
          args: [input],
          workflowIdConflictPolicy: 'USE_EXISTING',
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
          typedSearchAttributes: [
            { key: EventIdKey, value: offer.eventId },
            { key: UserIdKey, value: offer.userId },
            { key: ReservationStatusKey, value: 'HELD' },
          ],
        });
      } catch (err) {
        // Already ran to its end: the offer was taken over long ago.
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      }
    }),
  );
}
