import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { ReservationActivities } from '../activities';

/**
 * The hold runs as a local activity: it is one short transaction, and skipping the round trip through
 * the task queue is most of the latency a buyer feels. Its retries are bounded so a database outage
 * answers 503 within seconds instead of holding seats nobody is waiting for.
 */
export const { holdInventory } = proxyLocalActivities<ReservationActivities>({
  startToCloseTimeout: '5s',
  scheduleToCloseTimeout: '12s',
  retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '2s', maximumAttempts: 6 },
});

/** Steps a buyer waits for: bounded, so an outage is reported (503) and the hold stays as it was. */
export const { extendHold, markPaymentPending } = proxyActivities<ReservationActivities>({
  startToCloseTimeout: '5s',
  retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '2s', maximumAttempts: 5 },
});

/** The charge: the simulated slow card takes 3 s, transient processor errors are retried here. */
export const { chargePayment } = proxyActivities<ReservationActivities>({
  startToCloseTimeout: '30s',
  scheduleToCloseTimeout: '2m',
  retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '5s', maximumAttempts: 10 },
});

/**
 * Steps that must happen once they are due (money taken must become a sale or a refund; a lapsed hold
 * must be released): retried without limit until the database is back.
 */
export const { sellInventory, releaseInventory, refundPayment, recordProviderPayment } =
  proxyActivities<ReservationActivities>({
    startToCloseTimeout: '10s',
    retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '30s' },
  });
