import type { Redis } from 'ioredis';
import type { Pool } from 'pg';
import type { ApplyPricesCommand, ApplyPricesOutcome, PricingMeasure } from '../domain/pricing';
import { announcePriceChange } from '../inventory/inventory-signals';
import { applyPriceChanges, stopPriceChanges } from '../pricing/apply-price-changes';
import { measureEventDemand } from '../pricing/demand-measure';
import { preQueueSize, queueLength } from '../waiting-room/queue';

export interface PricingActivityDeps {
  pool: Pool;
  redis: Redis;
}

/**
 * The pricing workflow's side effects: measuring an event's demand at the end of a period, applying
 * the period's prices (with the figures, in one transaction) and telling live clients.
 */
export function createPricingActivities({ pool, redis }: PricingActivityDeps) {
  return {
    /** The figures of THE RULE (src/domain/demand-pricing-rule.ts): PostgreSQL's, and the waiting room's depth from Redis. */
    async measureDemand(input: { eventId: string }): Promise<PricingMeasure> {
      const [measure, queued, early] = await Promise.all([
        measureEventDemand(pool, input.eventId),
        queueLength(redis, input.eventId),
        preQueueSize(redis, input.eventId),
      ]);
      return { ...measure, queueWaiting: queued + early };
    },

    /** One period's prices; announced on the live stream once committed (every period: the next change moved too). */
    async applyPrices(cmd: ApplyPricesCommand): Promise<ApplyPricesOutcome> {
      const outcome = await applyPriceChanges(pool, cmd);
      if (outcome.applied) await announcePriceChange(redis, cmd.eventId, cmd.changes.map((c) => c.sectionId));
      return outcome;
    },

    /** The event started or was cancelled: no next change to show, and live clients are told so. */
    async endPricing(input: { eventId: string; sectionIds: string[] }): Promise<void> {
      await stopPriceChanges(pool, input.eventId);
      await announcePriceChange(redis, input.eventId, input.sectionIds);
    },
  };
}

export type PricingActivities = ReturnType<typeof createPricingActivities>;
