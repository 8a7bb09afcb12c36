import type { Queryable } from '../db/transaction';

export interface SectionCounts {
  section_id: string;
  name: string;
  kind: 'SEATED' | 'GA';
  price_cents: number;
  total: number;
  /** Live holds only: a hold past its held_until no longer counts. */
  held: number;
  sold: number;
  /** Holds past their deadline that no release has cleaned up yet; they count as available. */
  lapsed: number;
  available: number;
}

/**
 * Per-section counts of an event's on-sale sections, in venue order. A HELD seat or GA hold whose
 * held_until has passed counts as available, as it does for a new hold (src/inventory/hold.ts).
 */
export async function loadSectionCounts(db: Queryable, eventId: string): Promise<SectionCounts[]> {
  const { rows } = await db.query<Omit<SectionCounts, 'available'>>(
    `SELECT s.id AS section_id, s.name, s.kind, p.price_cents,
            COALESCE(st.total, g.capacity, 0)::int AS total,
            COALESCE(st.held, GREATEST(g.held - gl.lapsed, 0), 0)::int AS held,
            COALESCE(st.sold, g.sold, 0)::int AS sold,
            COALESCE(st.lapsed, gl.lapsed, 0)::int AS lapsed
       FROM event_prices p
       JOIN sections s ON s.id = p.section_id
       LEFT JOIN LATERAL (
         SELECT count(*) AS total,
                count(*) FILTER (WHERE status = 'SOLD') AS sold,
                count(*) FILTER (WHERE status = 'HELD' AND held_until > now()) AS held,
                count(*) FILTER (WHERE status = 'HELD' AND held_until <= now()) AS lapsed
           FROM seats WHERE event_id = p.event_id AND section_id = s.id
       ) st ON s.kind = 'SEATED'
       LEFT JOIN ga_inventory g ON g.event_id = p.event_id AND g.section_id = s.id
       LEFT JOIN LATERAL (
         SELECT COALESCE(sum(quantity), 0) AS lapsed
           FROM ga_holds h
          WHERE h.event_id = p.event_id AND h.section_id = s.id AND h.status = 'HELD' AND h.held_until <= now()
       ) gl ON s.kind = 'GA'
      WHERE p.event_id = $1
      ORDER BY s.position`,
    [eventId],
  );
  return rows.map((r) => ({ ...r, available: Math.max(r.total - r.held - r.sold, 0) }));
}
