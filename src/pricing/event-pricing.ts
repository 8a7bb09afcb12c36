import type { PoolClient } from 'pg';
import type { Queryable } from '../db/transaction';
import { defaultBounds } from '../domain/demand-pricing-rule';

export type PricingMode = 'FIXED' | 'DEMAND';

export interface PricingTermsInput {
  mode: PricingMode;
  period_seconds?: number | null;
  max_step_percent?: number | null;
}

export interface PriceInput {
  section_id: string;
  price_cents: number;
  min_price_cents?: number | null;
  max_price_cents?: number | null;
}

/** How an event prices, as the event view shows it. */
export interface EventPricingView {
  mode: PricingMode;
  period_seconds: number | null;
  max_step_percent: number | null;
  /** When the prices next move; null for FIXED, once the last period before the start is past, or when cancelled. */
  next_change_at: string | null;
}

export interface SectionBounds {
  min_price_cents: number | null;
  max_price_cents: number | null;
}

/**
 * Writes an event's prices and, for DEMAND, its terms and first period end: one period after the sale
 * opens, or after now when it is open already; none when the event starts before that.
 */
export async function insertEventPrices(db: PoolClient, eventId: string, prices: readonly PriceInput[], pricing: PricingTermsInput): Promise<void> {
  const demand = pricing.mode === 'DEMAND';
  const bounds = prices.map((p) => (demand ? defaultBounds(p.price_cents, p.min_price_cents, p.max_price_cents) : null));
  await db.query(
    `INSERT INTO event_prices (event_id, section_id, price_cents, min_price_cents, max_price_cents)
     SELECT $1, p.section_id, p.price_cents, p.min_price_cents, p.max_price_cents
       FROM unnest($2::uuid[], $3::int[], $4::int[], $5::int[]) AS p(section_id, price_cents, min_price_cents, max_price_cents)`,
    [eventId, prices.map((p) => p.section_id), prices.map((p) => p.price_cents), bounds.map((b) => b?.minPriceCents ?? null), bounds.map((b) => b?.maxPriceCents ?? null)],
  );
  if (!demand) return;
  await db.query(
    `INSERT INTO event_pricing (event_id, mode, period_seconds, max_step_percent, next_change_at)
     SELECT e.id, 'DEMAND', $2, $3, NULLIF(LEAST(first_end.at, e.starts_at), e.starts_at)
       FROM events e,
            LATERAL (SELECT GREATEST(LEAST(e.on_sale_at, (SELECT min(w.starts_at) FROM presale_windows w WHERE w.event_id = e.id)), now())
                            + make_interval(secs => $2) AS at) first_end
      WHERE e.id = $1`,
    [eventId, pricing.period_seconds, pricing.max_step_percent],
  );
}

/** The event's pricing terms and each section's bounds (FIXED, without bounds, when it has no terms). */
export async function readEventPricing(db: Queryable, eventId: string): Promise<{ pricing: EventPricingView; bounds: Map<string, SectionBounds> }> {
  const [terms, bounds] = await Promise.all([
    db.query<{ period_seconds: number; max_step_percent: number; next_change_at: Date | null; status: string }>(
      `SELECT pr.period_seconds, pr.max_step_percent, pr.next_change_at, e.status
         FROM event_pricing pr JOIN events e ON e.id = pr.event_id WHERE pr.event_id = $1`,
      [eventId],
    ),
    db.query<{ section_id: string } & SectionBounds>('SELECT section_id, min_price_cents, max_price_cents FROM event_prices WHERE event_id = $1', [eventId]),
  ]);
  const row = terms.rows[0];
  const pricing: EventPricingView = row
    ? {
        mode: 'DEMAND',
        period_seconds: row.period_seconds,
        max_step_percent: row.max_step_percent,
        // A cancelled event's prices move no more, whether or not its workflow has seen it yet.
        next_change_at: row.status === 'CANCELLED' ? null : (row.next_change_at?.toISOString() ?? null),
      }
    : { mode: 'FIXED', period_seconds: null, max_step_percent: null, next_change_at: null };
  return { pricing, bounds: new Map(bounds.rows.map((b) => [b.section_id, { min_price_cents: b.min_price_cents, max_price_cents: b.max_price_cents }])) };
}
