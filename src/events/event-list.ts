import type { EventListView, EventSummaryView, ListEventsQuery } from '../api/openapi/event-schemas';
import { decodeCursor, encodeCursor } from '../db/keyset-cursor';
import type { Queryable } from '../db/transaction';
import { EVENT_COLUMNS, toEventFields, type EventRow } from './event-rows';

interface ListRow extends EventRow {
  cursor_at: string;
  min_price_cents: number | null;
}

/** Keyset pagination over (starts_at, id): pages stay stable while events are added. */
export async function listEvents(db: Queryable, query: ListEventsQuery): Promise<EventListView> {
  const after = query.cursor === undefined ? null : decodeCursor(query.cursor);
  // Every word must appear somewhere; words never contain whitespace, so none can match across two fields.
  const words = (query.q ?? '').split(/\s+/).filter(Boolean).map((w) => `%${escapeLike(w)}%`);
  const { rows } = await db.query<ListRow>(
    `SELECT ${EVENT_COLUMNS}, to_json(e.starts_at) #>> '{}' AS cursor_at,
            (SELECT min(price_cents) FROM event_prices p WHERE p.event_id = e.id) AS min_price_cents
       FROM events e JOIN venues v ON v.id = e.venue_id
      WHERE NOT EXISTS (
              SELECT 1 FROM unnest($1::text[]) AS w(pattern)
               WHERE concat_ws(E'\n', e.name, e.artist, e.category, v.name) NOT ILIKE w.pattern)
        AND ($2::text IS NULL OR lower(v.city) = lower($2))
        AND ($3::text IS NULL OR lower(e.category) = lower($3))
        AND ($4::timestamptz IS NULL OR e.starts_at >= $4)
        AND ($5::timestamptz IS NULL OR e.starts_at <= $5)
        AND ($6::timestamptz IS NULL OR (e.starts_at, e.id) > ($6::timestamptz, $7::uuid))
      ORDER BY e.starts_at, e.id
      LIMIT $8`,
    [
      words,
      query.city || null,
      query.category || null,
      query.from ?? null,
      query.to ?? null,
      after?.at ?? null,
      after?.id ?? null,
      query.limit + 1,
    ],
  );
  const page = rows.slice(0, query.limit);
  const last = page[page.length - 1];
  return {
    events: page.map(toSummary),
    next_cursor: rows.length > query.limit && last ? encodeCursor({ at: last.cursor_at, id: last.id }) : null,
  };
}

function toSummary(row: ListRow): EventSummaryView {
  return { ...toEventFields(row), min_price_cents: row.min_price_cents };
}

function escapeLike(word: string): string {
  return word.replace(/[\\%_]/g, (c) => `\\${c}`);
}
