import type { EventSectionView, EventView } from '../api/openapi/event-schemas';
import type { Queryable } from '../db/transaction';
import { isUuid } from '../db/uuid';
import { loadSectionCounts, type SectionCounts } from '../inventory/section-counts';
import { EVENT_COLUMNS, toEventFields, type EventRow } from './event-rows';
import { eventNotFound } from './event-lookup';
import { readEventPricing, type SectionBounds } from '../pricing/event-pricing';

/** The event with its presale windows and its on-sale sections' counts; 404 EVENT_NOT_FOUND when unknown or malformed. */
export async function getEvent(db: Queryable, id: string): Promise<EventView> {
  const row = await findEventRow(db, id);
  if (!row) throw eventNotFound(id);
  const { pricing, bounds } = await readEventPricing(db, id);
  const sections = (await loadSectionCounts(db, id)).map((c) => toEventSection(c, bounds.get(c.section_id), pricing.next_change_at));
  const presales = await db.query<{ name: string; starts_at: Date; ends_at: Date; max_tickets_per_user: number }>(
    'SELECT name, starts_at, ends_at, max_tickets_per_user FROM presale_windows WHERE event_id = $1 ORDER BY starts_at',
    [id],
  );
  return {
    ...toEventFields(row),
    presales: presales.rows.map((w) => ({ ...w, starts_at: w.starts_at.toISOString(), ends_at: w.ends_at.toISOString() })),
    pricing,
    sections,
    total_available: sections.reduce((sum, s) => sum + s.available, 0),
  };
}

async function findEventRow(db: Queryable, id: string): Promise<EventRow | null> {
  if (!isUuid(id)) return null;
  const { rows } = await db.query<EventRow>(
    `SELECT ${EVENT_COLUMNS} FROM events e JOIN venues v ON v.id = e.venue_id WHERE e.id = $1`,
    [id],
  );
  return rows[0] ?? null;
}

/** Every section of a DEMAND event moves at the same period ends, so each shows the event's next one. */
function toEventSection(c: SectionCounts, bounds: SectionBounds | undefined, nextChangeAt: string | null): EventSectionView {
  return {
    section_id: c.section_id,
    name: c.name,
    kind: c.kind,
    price_cents: c.price_cents,
    min_price_cents: bounds?.min_price_cents ?? null,
    max_price_cents: bounds?.max_price_cents ?? null,
    next_price_change_at: nextChangeAt,
    total: c.total,
    available: c.available,
    held: c.held,
    sold: c.sold,
  };
}
