import { eventPricingSchema } from './event-schemas';
import { z } from './registry';
import { boundedText } from './string-formats';

export const priceHistoryQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(500),
  cursor: boundedText({ max: 100 }).optional().openapi({ description: 'next_cursor of the previous page, as given' }),
});

const share = z.number().min(0).max(1);

export const priceChangeEntrySchema = z
  .object({
    change_id: z.string().openapi({ description: 'increasing with each change of the event' }),
    section_id: z.string().uuid(),
    section_name: z.string(),
    period_at: z.string().datetime().openapi({ description: 'the end of the period the change was decided at' }),
    changed_at: z.string().datetime().openapi({ description: 'when it was committed' }),
    old_price_cents: z.number().int(),
    new_price_cents: z.number().int(),
    step_percent: z.number().int().openapi({ description: 'the step the gap asked for (the price moved by at most this much, and stayed within its bounds)' }),
    figures: z
      .object({
        capacity: z.number().int(),
        sold: z.number().int(),
        held: z.number().int().openapi({ description: 'in live holds when measured' }),
        queue_waiting: z.number().int().openapi({ description: "fans in the event's waiting room" }),
        queue_share: z.number().openapi({ description: 'the part of them counted against this section (in places)' }),
        demand_share: share.openapi({ description: '(sold + held + queue_share) / capacity, at most 1' }),
        pace_share: share.openapi({ description: 'the share of the sale window (opening to start) gone' }),
        min_price_cents: z.number().int(),
        max_price_cents: z.number().int(),
        max_step_percent: z.number().int(),
      })
      .openapi({ description: 'what the change was computed from (docs/pricing.md)' }),
  })
  .openapi('PriceChangeEntry');

export const priceHistorySchema = z
  .object({
    event_id: z.string().uuid(),
    pricing: eventPricingSchema,
    changes: z.array(priceChangeEntrySchema).openapi({ description: 'every change, oldest first (a FIXED event has none)' }),
    next_cursor: z.string().nullable().openapi({ description: 'null on the last page' }),
  })
  .openapi('PriceHistory');
