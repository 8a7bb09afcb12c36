import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { ReservationActivities } from '../activities';

/*
 * The activity options of reservation runs started before the "exact money and inventory" change
 * (see reservation-workflow-v1.ts), frozen with them.
 *
 * The inventory steps are short PostgreSQL transactions and run as local activities: they execute in
 * the worker that runs the workflow task, and the server records one marker instead of dispatching a
 * task, which is most of the latency a buyer feels and most of the load a flash sale puts on the
 * Temporal server. Every one is idempotent, so a re-execution after a worker crash is harmless.
 * The payment provider is an outside service that may be slow: it stays a regular activity.
 */

/** The hold: bounded, so a database outage answers 503 within seconds and holds nothing. */
export const { holdInventory } = proxyLocalActivities<ReservationActivities>({
  startToCloseTimeout: '5s',
  scheduleToCloseTimeout: '12s',
  retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '2s', maximumAttempts: 6 },
});

/** Steps a buyer waits for: bounded, so an outage is reported (503) and the hold stays as it was. */
export const { extendHold, markPaymentPending } = proxyLocalActivities<ReservationActivities>({
  startToCloseTimeout: '5s',
  retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '2s', maximumAttempts: 5 },
});

/**
 * Steps that must happen once they are due (money taken must become a sale or a refund; a lapsed hold
 * must be released): retried without limit until the database is back.
 */
export const { sellInventory, releaseInventory, recordProviderPayment } = proxyLocalActivities<ReservationActivities>({
  startToCloseTimeout: '10s',
  retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '30s' },
});

/** The charge: the simulated slow card takes 3 s, transient processor errors are retried here. */
export const { chargePayment } = proxyActivities<ReservationActivities>({
  startToCloseTimeout: '30s',
  scheduleToCloseTimeout: '2m',
  retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '5s', maximumAttempts: 10 },
});

/** A refund goes to the provider too, and must eventually happen. */
export const { refundPayment } = proxyActivities<ReservationActivities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '30s' },
});
