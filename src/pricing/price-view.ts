import type { Queryable } from '../db/transaction';

export interface SectionPrice {
  section_id: string;
  price_cents: number;
  next_price_change_at: string | null;
}

/** The data of a `price` event of GET /events/{id}/stream. */
export interface PriceEventData {
  event_id: string;
  sections: SectionPrice[];
}

/**
 * Sections' prices and next change as they are now: read when the announcement is delivered, so an
 * announcement that arrives late or twice never puts an old price back on screen.
 */
export async function readSectionPrices(db: Queryable, eventId: string, sectionIds: readonly string[]): Promise<Map<string, SectionPrice>> {
  if (sectionIds.length === 0) return new Map();
  const { rows } = await db.query<{ section_id: string; price_cents: number; next_change_at: Date | null }>(
    `SELECT p.section_id, p.price_cents, CASE WHEN e.status = 'CANCELLED' THEN NULL ELSE pr.next_change_at END AS next_change_at
       FROM event_prices p JOIN events e ON e.id = p.event_id LEFT JOIN event_pricing pr ON pr.event_id = p.event_id
      WHERE p.event_id = $1 AND p.section_id = ANY($2::uuid[])`,
    [eventId, sectionIds],
  );
  return new Map(
    rows.map((r) => [r.section_id, { section_id: r.section_id, price_cents: r.price_cents, next_price_change_at: r.next_change_at?.toISOString() ?? null }]),
  );
}
