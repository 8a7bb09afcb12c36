import type { Queryable } from '../db/transaction';
import { AppError } from '../domain/errors';
import { assertEventExists } from '../events/event-lookup';
import { readEventPricing, type EventPricingView } from './event-pricing';

export interface PriceChangeView {
  change_id: string;
  section_id: string;
  section_name: string;
  period_at: string;
  changed_at: string;
  old_price_cents: number;
  new_price_cents: number;
  step_percent: number;
  figures: {
    capacity: number;
    sold: number;
    held: number;
    queue_waiting: number;
    queue_share: number;
    demand_share: number;
    pace_share: number;
    min_price_cents: number;
    max_price_cents: number;
    max_step_percent: number;
  };
}

export interface PriceHistoryView {
  event_id: string;
  pricing: EventPricingView;
  changes: PriceChangeView[];
  next_cursor: string | null;
}

interface ChangeRow {
  id: string;
  section_id: string;
  section_name: string;
  period_at: Date;
  changed_at: Date;
  old_price_cents: number;
  new_price_cents: number;
  step_percent: number;
  capacity: number;
  sold: number;
  held: number;
  queue_waiting: number;
  queue_share: string;
  demand_share: string;
  pace_share: string;
  min_price_cents: number;
  max_price_cents: number;
  max_step_percent: number;
}

/** Every price change of an event, oldest first, a page at a time (`cursor` is the previous page's next_cursor). */
export async function priceHistory(db: Queryable, eventId: string, page: { limit: number; cursor?: string }): Promise<PriceHistoryView> {
  await assertEventExists(db, eventId);
  const after = page.cursor === undefined ? '0' : decodeChangeCursor(page.cursor);
  const [{ pricing }, { rows }] = await Promise.all([
    readEventPricing(db, eventId),
    db.query<ChangeRow>(
      `SELECT c.id::text, c.section_id, s.name AS section_name, c.period_at, c.changed_at, c.old_price_cents, c.new_price_cents,
              c.step_percent, c.capacity, c.sold, c.held, c.queue_waiting, c.queue_share, c.demand_share, c.pace_share,
              c.min_price_cents, c.max_price_cents, c.max_step_percent
         FROM price_changes c JOIN sections s ON s.id = c.section_id
        WHERE c.event_id = $1 AND c.id > $2::bigint
        ORDER BY c.id LIMIT $3`,
      [eventId, after, page.limit + 1],
    ),
  ]);
  const shown = rows.slice(0, page.limit);
  const last = shown[shown.length - 1];
  return {
    event_id: eventId,
    pricing,
    changes: shown.map(toView),
    next_cursor: rows.length > page.limit && last ? Buffer.from(`change:${last.id}`).toString('base64url') : null,
  };
}

function decodeChangeCursor(raw: string): string {
  const match = /^change:(\d{1,19})$/.exec(Buffer.from(raw, 'base64url').toString('utf8'));
  if (!match?.[1]) {
    throw new AppError('VALIDATION_ERROR', 'the request is not valid', { details: [{ field: 'query.cursor', message: 'not a cursor returned by this API' }] });
  }
  return match[1];
}

function toView(row: ChangeRow): PriceChangeView {
  return {
    change_id: row.id,
    section_id: row.section_id,
    section_name: row.section_name,
    period_at: row.period_at.toISOString(),
    changed_at: row.changed_at.toISOString(),
    old_price_cents: row.old_price_cents,
    new_price_cents: row.new_price_cents,
    step_percent: row.step_percent,
    figures: {
      capacity: row.capacity,
      sold: row.sold,
      held: row.held,
      queue_waiting: row.queue_waiting,
      queue_share: Number(row.queue_share),
      demand_share: Number(row.demand_share),
      pace_share: Number(row.pace_share),
      min_price_cents: row.min_price_cents,
      max_price_cents: row.max_price_cents,
      max_step_percent: row.max_step_percent,
    },
  };
}
