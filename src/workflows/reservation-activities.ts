import { proxyActivities, proxyLocalActivities, type LocalActivityOptions } from '@temporalio/workflow';
import type { PaymentActivities } from '../activities/payment-activities';
import type { ReservationActivities } from '../activities/reservation-activities';

/*
 * The inventory steps are short PostgreSQL transactions and run as local activities: they execute in
 * the worker that runs the workflow task, and the server records one marker instead of dispatching a
 * task, which is most of the latency a buyer feels and most of the load a flash sale puts on the
 * Temporal server. Every one is idempotent, so a re-execution after a worker crash is harmless.
 * The payment provider is an outside service that may be slow: its steps stay regular activities.
 */

/**
 * The hold: bounded, so a database outage answers 503 within seconds. Its attempts are the bound:
 * this SDK (1.24) does not stop a local activity's retries at scheduleToCloseTimeout (seen on the dev
 * server: fast failures kept retrying long past that budget; docs/benchmarks.md). Each attempt's
 * transaction ends (its statements are cut off, or it rolls back) before the attempt's timeout, so a
 * retry never races an attempt nobody waits for any more.
 */
export const { holdInventory } = proxyLocalActivities<ReservationActivities>({
  startToCloseTimeout: '5s',
  scheduleToCloseTimeout: '12s',
  retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '2s', maximumAttempts: 6 },
});

/**
 * A waiting-list offer's hold exists already; adopting it must happen whatever the outage (giving up would
 * take the places from the fan they were offered to): retried without limit, like a release.
 */
export const { holdInventory: adoptOfferHold } = proxyLocalActivities<ReservationActivities>({
  startToCloseTimeout: '5s',
  retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '2s' },
});

/** Steps a buyer waits for: bounded, so an outage is reported (503) and the hold stays as it was. */
export const { extendHold } = proxyLocalActivities<ReservationActivities>({
  startToCloseTimeout: '5s',
  retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '2s', maximumAttempts: 5 },
});

/**
 * Steps that must happen once they are due (money taken must become a sale or a refund; a lapsed hold
 * must be released): retried without limit until the database is back, never more than 2 s apart, so
 * they finish within seconds of it coming back whatever the length of the outage.
 */
const SETTLING: LocalActivityOptions = {
  startToCloseTimeout: '10s',
  retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '2s' },
};
export const { sellHold, releaseInventory } = proxyLocalActivities<ReservationActivities>(SETTLING);
export const { recordProviderPayment } = proxyLocalActivities<PaymentActivities>(SETTLING);

/** A hold whose outcome was never learned is undone; a regular activity, so the buyer's 503 is not held up. */
export const { abandonHold } = proxyActivities<ReservationActivities>({
  startToCloseTimeout: '10s',
  retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '2s' },
});

/**
 * The charge, while the buyer waits: transient processor errors are retried here for a few seconds
 * (the simulated slow card takes 3 s). Past that the outcome is unknown, and it is settled by its key.
 * A regular activity on purpose: a confirm is an update, and an update is durable only once the
 * workflow task that accepts it completes. As a local activity the charge (and the sale after it)
 * would run inside that task; an operator's cancel or a webhook arriving meanwhile fails the task's
 * completion, the server drops the update, and the workflow never learns of the money it took
 * (seen on the dev server). Scheduling the activity commits the acceptance first.
 */
export const { chargePayment } = proxyActivities<PaymentActivities>({
  startToCloseTimeout: '10s',
  scheduleToCloseTimeout: '15s',
  retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '2s' },
});

/** Settling a lost answer while the buyer waits: a few tries, then 503 (and nobody is charged again). */
export const { resolveCharge: resolveChargeNow } = proxyActivities<PaymentActivities>({
  startToCloseTimeout: '5s',
  scheduleToCloseTimeout: '10s',
  retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '2s' },
});

/** Money steps that must eventually happen: a lost answer settled, a refund made. Retried without limit. */
export const { resolveCharge: resolveChargeDurably, refundPayment } = proxyActivities<PaymentActivities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '30s' },
});
