import { proxyActivities, proxyLocalActivities, type LocalActivityOptions } from '@temporalio/workflow';
import type { ResaleActivities } from '../activities/resale-activities';

/*
 * The listing's database steps are short PostgreSQL transactions and run as local activities, as the
 * reservation's do (src/workflows/reservation-activities.ts); its money steps are regular activities.
 */

/** Listing a ticket, while the seller waits: bounded, so an outage is answered 503 within seconds. */
export const { openResaleListing } = proxyLocalActivities<ResaleActivities>({
  startToCloseTimeout: '5s',
  scheduleToCloseTimeout: '12s',
  retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '2s', maximumAttempts: 6 },
});

/** A withdrawal the seller waits for: bounded too (the listing stays as it was on a 503). */
export const { closeResaleListing: closeListingNow } = proxyLocalActivities<ResaleActivities>({
  startToCloseTimeout: '5s',
  retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '2s', maximumAttempts: 5 },
});

/**
 * Steps that must happen once due (a listing that expired, or whose opening was never confirmed, must
 * close; money taken must become the sale or go back): retried without limit, never more than 2 s apart.
 */
const SETTLING: LocalActivityOptions = {
  startToCloseTimeout: '10s',
  retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '2s' },
};
export const { closeResaleListing: closeListingDurably, readResaleListing, sellResaleListing } = proxyLocalActivities<ResaleActivities>(SETTLING);

/**
 * The buyer's charge: a regular activity, for the reason the reservation's is one (an update is
 * durable only once the task that accepted it completes; scheduling the activity commits it first).
 */
export const { chargeResalePurchase } = proxyActivities<ResaleActivities>({
  startToCloseTimeout: '10s',
  scheduleToCloseTimeout: '15s',
  retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '2s' },
});

/** Settling a lost answer while the buyer waits: a few tries, then 503 (and nobody is charged again). */
export const { resolveResalePurchase: resolvePurchaseNow } = proxyActivities<ResaleActivities>({
  startToCloseTimeout: '5s',
  scheduleToCloseTimeout: '10s',
  retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '2s' },
});

/** Money steps that must eventually happen: a lost answer settled, a refund, the seller's payout. Retried without limit. */
export const {
  resolveResalePurchase: resolvePurchaseDurably,
  refundResalePurchase,
  payOutResaleSeller,
} = proxyActivities<ResaleActivities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '30s' },
});
