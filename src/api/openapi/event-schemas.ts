import { RESERVATION_STATUSES } from '../../domain/reservation';
import { z } from './registry';
import { boundedText, dateOrDateTime, dateTime, searchText, visibleText } from './string-formats';

// The contract documents `?q=&city=…`: an empty query parameter means "not given", not "invalid".
// defineRoute drops empty query values before validation; allowEmptyValue says so in the document.
const emptyMeansMissing = <T extends z.ZodTypeAny>(schema: T) => schema.openapi({ param: { allowEmptyValue: true } });

const cents = z.number().int().min(0).max(100_000_000);

export const priceInputSchema = z
  .object({
    section_id: z.string().uuid(),
    price_cents: cents.openapi({ description: 'the price now; under DEMAND pricing, where it starts' }),
    min_price_cents: cents.nullish().openapi({ description: 'DEMAND pricing only: the lowest the price may go (default: price_cents)' }),
    max_price_cents: cents.nullish().openapi({ description: 'DEMAND pricing only: the highest the price may go (default: twice price_cents)' }),
  })
  .openapi('PriceInput');

export const PRICING_MODES = ['FIXED', 'DEMAND'] as const;

export const pricingInputSchema = z
  .object({
    mode: z.enum(PRICING_MODES).default('FIXED'),
    period_seconds: z.number().int().min(60).max(7 * 86_400).nullish().openapi({ description: 'DEMAND (required): prices move at most once per period' }),
    max_step_percent: z.number().int().min(1).max(20).nullish().openapi({ description: 'DEMAND (required): the most a price moves in one period, in percent of itself' }),
  })
  .openapi('PricingInput', {
    description:
      'FIXED (the default): prices stay as given. DEMAND: each section\'s price moves once per period within its bounds, by at most ' +
      'max_step_percent, up when its sold and held share and the waiting room run ahead of the time left, down when they fall behind (docs/pricing.md)',
  });

export const presaleInputSchema = z
  .object({
    name: visibleText(100).default('Presale'),
    starts_at: dateTime,
    ends_at: dateTime,
    access_code: boundedText({ min: 1, max: 100 }).openapi({ description: 'what buyers send as presale_code; never shown back' }),
    max_tickets_per_user: z.number().int().min(1).max(100).openapi({
      description: "tickets one buyer may have in live holds and confirmed reservations of the event while the window is open",
    }),
  })
  .openapi('PresaleWindowInput');

export const resaleRulesSchema = z
  .object({
    allowed: z.boolean().default(true),
    max_price_percent: z.number().int().min(0).max(100).default(100).openapi({ description: "a listing's price at most this share of the ticket's original price" }),
    fee_percent: z.number().int().min(0).max(20).default(0).openapi({ description: "kept by the organiser from each resale's price; the seller is paid the rest" }),
  })
  .openapi('ResaleRules', { description: 'whether and how tickets of the event may be resold at face value' });

export const createEventBodySchema = z
  .object({
    name: visibleText(200),
    venue_id: z.string().uuid(),
    starts_at: dateTime,
    on_sale_at: dateTime.nullish().openapi({ description: 'default: now (on sale immediately); must not be after starts_at' }),
    category: visibleText(100).nullish(),
    artist: visibleText(200).nullish(),
    prices: z
      .array(priceInputSchema)
      .min(1)
      .max(50)
      .superRefine((prices, ctx) => {
        const seen = new Map<string, number>();
        prices.forEach((price, index) => {
          const first = seen.get(price.section_id.toLowerCase());
          if (first === undefined) seen.set(price.section_id.toLowerCase(), index);
          else ctx.addIssue({ code: z.ZodIssueCode.custom, path: [index, 'section_id'], message: `duplicate section (same as prices.${first}.section_id)` });
        });
      })
      .openapi({ description: 'sections of the venue on sale for this event; a section without a price is not sold' }),
    hold_duration_seconds: z.number().int().min(1).max(1800).default(600),
    max_hold_extensions: z.number().int().min(0).max(10).default(1),
    max_tickets_per_order: z.number().int().min(1).max(100).default(6),
    high_demand: z.boolean().default(false),
    pricing: pricingInputSchema.default({ mode: 'FIXED' }),
    resale: resaleRulesSchema.default({}),
    presales: z.array(presaleInputSchema).max(10).default([]).openapi({
      description:
        'presale windows before the general sale: each starts before it ends, ends by on_sale_at (which must then be given), and none overlaps another',
    }),
  })
  .superRefine((body, ctx) => {
    refinePricing(body, ctx);
    if (body.on_sale_at && body.on_sale_at.getTime() > body.starts_at.getTime()) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['on_sale_at'], message: 'must not be after starts_at' });
    }
    const windows = body.presales.map((w, index) => ({ ...w, index })).sort((a, b) => a.starts_at.getTime() - b.starts_at.getTime());
    windows.forEach((w, i) => {
      if (w.starts_at.getTime() >= w.ends_at.getTime()) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['presales', w.index, 'ends_at'], message: 'must be after starts_at' });
      if (!body.on_sale_at || w.ends_at.getTime() > body.on_sale_at.getTime()) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['presales', w.index, 'ends_at'], message: 'must not be after on_sale_at (give on_sale_at with presales)' });
      }
      const previous = windows[i - 1];
      if (previous && previous.ends_at.getTime() > w.starts_at.getTime()) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['presales', w.index, 'starts_at'], message: `overlaps presales.${previous.index}` });
      }
    });
  })
  .openapi('CreateEventRequest', {
    description:
      'on_sale_at must not be after starts_at, and prices must not name a section twice (400 VALIDATION_ERROR). ' +
      'An unknown venue_id is answered 404 NOT_FOUND; a price for a section of another venue is 400 VALIDATION_ERROR.',
  });

/** DEMAND needs its period and step, and every price within its bounds; FIXED takes no bounds. */
function refinePricing(
  body: { pricing: z.infer<typeof pricingInputSchema>; prices: Array<z.infer<typeof priceInputSchema>> },
  ctx: z.RefinementCtx,
): void {
  const issue = (path: Array<string | number>, message: string) => ctx.addIssue({ code: z.ZodIssueCode.custom, path, message });
  if (body.pricing.mode === 'FIXED') {
    body.prices.forEach((price, index) => {
      if (price.min_price_cents != null) issue(['prices', index, 'min_price_cents'], 'only with pricing.mode DEMAND');
      if (price.max_price_cents != null) issue(['prices', index, 'max_price_cents'], 'only with pricing.mode DEMAND');
    });
    return;
  }
  if (body.pricing.period_seconds == null) issue(['pricing', 'period_seconds'], 'required with pricing.mode DEMAND (at least 60)');
  if (body.pricing.max_step_percent == null) issue(['pricing', 'max_step_percent'], 'required with pricing.mode DEMAND (1 to 20)');
  body.prices.forEach((price, index) => {
    const min = price.min_price_cents ?? price.price_cents;
    const max = price.max_price_cents ?? price.price_cents * 2;
    if (min > price.price_cents) issue(['prices', index, 'min_price_cents'], 'must not be above price_cents');
    if (max < price.price_cents) issue(['prices', index, 'max_price_cents'], 'must not be below price_cents');
  });
}

export type CreateEventBody = z.infer<typeof createEventBodySchema>;
/** What callers may pass to createEvent: defaults not yet applied. */
export type CreateEventInput = z.input<typeof createEventBodySchema>;

export const listEventsQuerySchema = z
  .object({
    q: emptyMeansMissing(searchText(200).optional()).openapi({ description: 'words of the name, artist, category or venue name' }),
    city: emptyMeansMissing(searchText(100).optional()).openapi({ description: 'venue city, case-insensitive' }),
    category: emptyMeansMissing(searchText(100).optional()).openapi({ description: 'case-insensitive' }),
    from: emptyMeansMissing(dateOrDateTime.optional()).openapi({
      description: 'events starting at or after this instant; a date alone is midnight UTC',
    }),
    to: emptyMeansMissing(dateOrDateTime.optional()).openapi({
      description: 'events starting at or before this instant; a date alone is midnight UTC; must not be before from (400)',
    }),
    limit: emptyMeansMissing(z.coerce.number().int().min(1).max(100).default(20)),
    cursor: emptyMeansMissing(boundedText({ max: 300 }).optional()).openapi({ description: 'next_cursor of the previous page, as given (opaque; any other value is 400)' }),
  })
  .superRefine((query, ctx) => {
    if (query.from && query.to && query.from.getTime() > query.to.getTime()) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['to'], message: 'must not be before from' });
    }
  });

export type ListEventsQuery = z.infer<typeof listEventsQuerySchema>;

export const SEAT_STATUSES = ['AVAILABLE', 'HELD', 'SOLD'] as const;
export type SeatStatus = (typeof SEAT_STATUSES)[number];

export const seatMapQuerySchema = z.object({
  section_id: emptyMeansMissing(z.string().uuid().optional()).openapi({ description: 'only this section' }),
  status: emptyMeansMissing(z.enum(SEAT_STATUSES).optional()).openapi({
    description: 'only seats in this status; GA sections are listed whatever the filter (they have no seats)',
  }),
});

export type SeatMapQuery = z.infer<typeof seatMapQuerySchema>;

const venueRefSchema = z.object({ id: z.string().uuid(), name: z.string(), city: z.string() }).openapi('VenueRef');

const eventFields = {
  id: z.string().uuid(),
  venue_id: z.string().uuid(),
  name: z.string(),
  category: z.string().nullable(),
  artist: z.string().nullable(),
  starts_at: z.string().datetime(),
  on_sale_at: z.string().datetime(),
  status: z.enum(['SCHEDULED', 'CANCELLED']),
  hold_duration_seconds: z.number().int(),
  max_hold_extensions: z.number().int(),
  max_tickets_per_order: z.number().int(),
  high_demand: z.boolean(),
  resale: z.object({ allowed: z.boolean(), max_price_percent: z.number().int(), fee_percent: z.number().int() }),
  created_at: z.string().datetime(),
  venue: venueRefSchema,
};

export const eventSummarySchema = z
  .object({
    ...eventFields,
    min_price_cents: z.number().int().nullable().openapi({ description: 'cheapest section price' }),
  })
  .openapi('EventSummary');

export const eventSectionSchema = z
  .object({
    section_id: z.string().uuid(),
    name: z.string(),
    kind: z.enum(['SEATED', 'GA']),
    price_cents: z.number().int().openapi({ description: 'the price a hold made now pays (a hold keeps the price it was made at)' }),
    min_price_cents: z.number().int().nullable().openapi({ description: 'DEMAND pricing: the lowest the price may go; null for FIXED' }),
    max_price_cents: z.number().int().nullable().openapi({ description: 'DEMAND pricing: the highest the price may go; null for FIXED' }),
    next_price_change_at: z.string().datetime().nullable().openapi({
      description: 'DEMAND pricing: when the price may next move; null for FIXED, for a cancelled event, and once no period ends before the event starts',
    }),
    total: z.number().int(),
    available: z.number().int().openapi({ description: 'holds past their held_until count as available' }),
    held: z.number().int(),
    sold: z.number().int(),
  })
  .openapi('EventSection');

export const eventPricingSchema = z
  .object({
    mode: z.enum(PRICING_MODES),
    period_seconds: z.number().int().nullable(),
    max_step_percent: z.number().int().nullable(),
    next_change_at: z.string().datetime().nullable().openapi({ description: 'when the prices may next move (null: never again, or FIXED)' }),
  })
  .openapi('EventPricing');

export const presaleWindowSchema = z
  .object({
    name: z.string(),
    starts_at: z.string().datetime(),
    ends_at: z.string().datetime(),
    max_tickets_per_user: z.number().int(),
  })
  .openapi('PresaleWindow', { description: 'while open, holds need its access code (presale_code) and count against max_tickets_per_user' });

export const eventSchema = z
  .object({
    ...eventFields,
    presales: z.array(presaleWindowSchema).openapi({ description: 'presale windows in time order (their access codes are not shown)' }),
    pricing: eventPricingSchema,
    sections: z.array(eventSectionSchema).openapi({ description: 'the sections on sale for this event, in venue order' }),
    total_available: z.number().int(),
  })
  .openapi('Event');

export const eventListSchema = z
  .object({
    events: z.array(eventSummarySchema),
    next_cursor: z.string().nullable().openapi({ description: 'null on the last page' }),
  })
  .openapi('EventList');

export type EventSummaryView = z.infer<typeof eventSummarySchema>;
export type EventSectionView = z.infer<typeof eventSectionSchema>;
export type EventView = z.infer<typeof eventSchema>;
export type EventListView = z.infer<typeof eventListSchema>;

export const seatSchema = z
  .object({
    seat_id: z.string().uuid(),
    row: z.string(),
    number: z.number().int(),
    status: z.enum(SEAT_STATUSES).openapi({ description: 'a seat whose hold has expired is AVAILABLE' }),
  })
  .openapi('Seat');

const nextPriceChange = z.string().datetime().nullable().openapi({
  description: 'DEMAND pricing: when the price may next move (the live stream announces each move); null for FIXED',
});

const seatedMapSection = z
  .object({
    section_id: z.string().uuid(),
    name: z.string(),
    kind: z.literal('SEATED'),
    price_cents: z.number().int(),
    next_price_change_at: nextPriceChange,
    available_count: z.number().int(),
    seats: z.array(seatSchema).openapi({ description: 'ordered by row (A…Z, AA…) then number' }),
  })
  .openapi('SeatedSectionAvailability');

const gaMapSection = z
  .object({
    section_id: z.string().uuid(),
    name: z.string(),
    kind: z.literal('GA'),
    price_cents: z.number().int(),
    next_price_change_at: nextPriceChange,
    capacity: z.number().int(),
    available_count: z.number().int(),
  })
  .openapi('GaSectionAvailability');

export const seatMapSchema = z
  .object({
    event_id: z.string().uuid(),
    sections: z.array(z.discriminatedUnion('kind', [seatedMapSection, gaMapSection])),
    total_available: z.number().int().openapi({ description: 'sum of available_count of the sections returned' }),
    last_updated: z.string().datetime().openapi({ description: 'when this snapshot was read (it may be up to 1 s old)' }),
  })
  .openapi('SeatAvailability');

export type SeatedMapSection = z.infer<typeof seatedMapSection>;
export type GaMapSection = z.infer<typeof gaMapSection>;
export type SeatMapView = z.infer<typeof seatMapSchema>;

const countsSchema = z.object({
  total: z.number().int(),
  available: z.number().int(),
  held: z.number().int(),
  sold: z.number().int(),
});

export const eventStatsSchema = z
  .object({
    event_id: z.string().uuid(),
    sections: z.array(
      countsSchema.extend({
        section_id: z.string().uuid(),
        name: z.string(),
        kind: z.enum(['SEATED', 'GA']),
        lapsed_holds: z.number().int().openapi({
          description: 'seats or GA tickets still marked held past their deadline (counted as available, not yet released)',
        }),
      }),
    ),
    totals: countsSchema,
    reservations_by_status: z.object(
      Object.fromEntries(RESERVATION_STATUSES.map((s) => [s, z.number().int()])) as Record<(typeof RESERVATION_STATUSES)[number], z.ZodNumber>,
    ),
  })
  .openapi('EventStats');

export type EventStatsView = z.infer<typeof eventStatsSchema>;
