import { proxyLocalActivities } from '@temporalio/workflow';
import type { PricingActivities } from '../activities/pricing-activities';

/*
 * Short PostgreSQL and Redis steps, run as local activities: one marker in the history per step, on
 * every period of a sale that may last weeks. A step that keeps failing fails the period's attempt;
 * the workflow looks again a little later.
 */
export const { measureDemand, endPricing } = proxyLocalActivities<PricingActivities>({
  startToCloseTimeout: '5s',
  retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '2s', maximumAttempts: 5 },
});

/** Its transaction may wait up to 5 s for holds being made at the old price (src/pricing/apply-price-changes.ts). */
export const { applyPrices } = proxyLocalActivities<PricingActivities>({
  startToCloseTimeout: '10s',
  retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '5s', maximumAttempts: 4 },
});
