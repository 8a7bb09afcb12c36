import type { Queryable } from '../db/transaction';
import type { PricingMeasure } from '../domain/pricing';
import { defaultBounds } from '../domain/demand-pricing-rule';
import { loadSectionCounts } from '../inventory/section-counts';

interface EventTermsRow {
  status: 'SCHEDULED' | 'CANCELLED';
  opens_at: Date;
  starts_at: Date;
  mode: 'DEMAND' | null;
  period_seconds: number | null;
  max_step_percent: number | null;
  next_change_at: Date | null;
}

/**
 * The figures a period's prices are decided from, PostgreSQL's part (the waiting room's depth is
 * Redis's): the event's status, sale window and pricing terms, and per section its price, bounds,
 * capacity, sold and live holds. Read without locks: the decision is recorded with these figures, and
 * the price it starts from is checked under the price row's lock when it is applied.
 */
export async function measureEventDemand(db: Queryable, eventId: string): Promise<Omit<PricingMeasure, 'queueWaiting'>> {
  const { rows } = await db.query<EventTermsRow>(
    `SELECT e.status, LEAST(e.on_sale_at, (SELECT min(w.starts_at) FROM presale_windows w WHERE w.event_id = e.id)) AS opens_at,
            e.starts_at, pr.mode, pr.period_seconds, pr.max_step_percent, pr.next_change_at
       FROM events e LEFT JOIN event_pricing pr ON pr.event_id = e.id
      WHERE e.id = $1`,
    [eventId],
  );
  const event = rows[0];
  if (!event) {
    return { eventStatus: 'MISSING', demand: false, terms: { periodSeconds: 60, maxStepPercent: 1 }, opensAtMs: 0, startsAtMs: 0, nextChangeAtMs: null, sections: [] };
  }
  const [counts, bounds] = await Promise.all([
    loadSectionCounts(db, eventId),
    db.query<{ section_id: string; min_price_cents: number | null; max_price_cents: number | null }>(
      'SELECT section_id, min_price_cents, max_price_cents FROM event_prices WHERE event_id = $1',
      [eventId],
    ),
  ]);
  const boundsOf = new Map(bounds.rows.map((b) => [b.section_id, b]));
  return {
    eventStatus: event.status,
    demand: event.mode === 'DEMAND',
    terms: { periodSeconds: event.period_seconds ?? 60, maxStepPercent: event.max_step_percent ?? 1 },
    opensAtMs: event.opens_at.getTime(),
    startsAtMs: event.starts_at.getTime(),
    nextChangeAtMs: event.next_change_at?.getTime() ?? null,
    sections: counts.map((c) => {
      const b = boundsOf.get(c.section_id);
      return {
        sectionId: c.section_id,
        priceCents: c.price_cents,
        ...defaultBounds(c.price_cents, b?.min_price_cents, b?.max_price_cents),
        capacity: c.total,
        sold: c.sold,
        held: c.held,
      };
    }),
  };
}
