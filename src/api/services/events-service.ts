import type { Pool, PoolClient } from 'pg';
import type { Queryable } from '../../db/transaction';
import { withTransaction } from '../../db/transaction';
import { AppError } from '../../domain/errors';
import {
  createEventBodySchema,
  type CreateEventBody,
  type CreateEventInput,
  type EventListView,
  type EventSectionView,
  type EventSummaryView,
  type EventView,
  type ListEventsQuery,
} from '../openapi/event-schemas';
import { isUuid } from './venues-service';
import { decodeCursor, encodeCursor } from '../../db/keyset-cursor';

export type SectionKind = 'SEATED' | 'GA';

interface EventRow {
  id: string;
  venue_id: string;
  name: string;
  category: string | null;
  artist: string | null;
  starts_at: Date;
  on_sale_at: Date;
  status: 'SCHEDULED' | 'CANCELLED';
  hold_duration_seconds: number;
  max_hold_extensions: number;
  max_tickets_per_order: number;
  high_demand: boolean;
  created_at: Date;
  venue_name: string;
  venue_city: string;
}

const EVENT_COLUMNS = `e.id, e.venue_id, e.name, e.category, e.artist, e.starts_at, e.on_sale_at, e.status,
  e.hold_duration_seconds, e.max_hold_extensions, e.max_tickets_per_order, e.high_demand, e.created_at,
  v.name AS venue_name, v.city AS venue_city`;

/** Row labels as printed on tickets: A…Z, then AA, AB, … (bijective base 26). `index` is 0-based. */
export function rowLabel(index: number): string {
  let label = '';
  for (let n = index + 1; n > 0; n = Math.floor((n - 1) / 26)) {
    label = String.fromCharCode(65 + ((n - 1) % 26)) + label;
  }
  return label;
}

// ---------------------------------------------------------------------------------------------------
// Creation
// ---------------------------------------------------------------------------------------------------

type DateInput = string | Date;

/** A create-event body as the HTTP schema accepts it, or already parsed (dates as Date, defaults applied). */
type PresaleInput = NonNullable<CreateEventInput['presales']>[number];
export type NewEvent = Omit<CreateEventInput, 'starts_at' | 'on_sale_at' | 'presales'> & {
  starts_at: DateInput;
  on_sale_at?: DateInput | null;
  presales?: Array<Omit<PresaleInput, 'starts_at' | 'ends_at'> & { starts_at: DateInput; ends_at: DateInput }>;
};

/**
 * Creates the event with all its inventory in one transaction: a client that sees the 201 can sell
 * every seat at once, and a failure leaves no half-built event behind.
 * The input is validated here too, so callers outside HTTP (demo data, fixtures) get the same checks.
 */
export async function createEvent(pool: Pool, input: NewEvent): Promise<EventView> {
  const body = parseCreateEventBody(input);
  return withTransaction(pool, async (db) => {
    const sections = await lockVenueSections(db, body.venue_id);
    assertPricedSectionsBelong(body, sections);
    const { rows } = await db.query<{ id: string }>(
      `INSERT INTO events (venue_id, name, category, artist, starts_at, on_sale_at, hold_duration_seconds,
                           max_hold_extensions, max_tickets_per_order, high_demand)
       VALUES ($1, $2, $3, $4, $5, COALESCE($6, now()), $7, $8, $9, $10) RETURNING id`,
      [
        body.venue_id,
        body.name,
        body.category ?? null,
        body.artist ?? null,
        body.starts_at,
        body.on_sale_at ?? null,
        body.hold_duration_seconds,
        body.max_hold_extensions,
        body.max_tickets_per_order,
        body.high_demand,
      ],
    );
    const eventId = rows[0]!.id;
    await db.query(
      `INSERT INTO event_prices (event_id, section_id, price_cents)
       SELECT $1, p.section_id, p.price_cents FROM unnest($2::uuid[], $3::int[]) AS p(section_id, price_cents)`,
      [eventId, body.prices.map((p) => p.section_id), body.prices.map((p) => p.price_cents)],
    );
    if (body.presales.length > 0) {
      await db.query(
        `INSERT INTO presale_windows (event_id, name, starts_at, ends_at, access_code, max_tickets_per_user)
         SELECT $1, w.name, w.starts_at, w.ends_at, w.access_code, w.max_tickets_per_user
           FROM unnest($2::text[], $3::timestamptz[], $4::timestamptz[], $5::text[], $6::int[]) AS w(name, starts_at, ends_at, access_code, max_tickets_per_user)`,
        [
          eventId,
          body.presales.map((w) => w.name),
          body.presales.map((w) => w.starts_at),
          body.presales.map((w) => w.ends_at),
          body.presales.map((w) => w.access_code),
          body.presales.map((w) => w.max_tickets_per_user),
        ],
      );
    }
    await createInventory(db, eventId, Math.max(0, ...sections.map((s) => s.rows ?? 0)));
    return requireEvent(db, eventId);
  });
}

interface VenueSectionRow {
  id: string;
  rows: number | null;
}

/** FOR SHARE: the venue's sections cannot change under an event being built from them. */
async function lockVenueSections(db: PoolClient, venueId: string): Promise<VenueSectionRow[]> {
  const venue = await db.query('SELECT 1 FROM venues WHERE id = $1 FOR SHARE', [venueId]);
  if (!venue.rowCount) throw new AppError('NOT_FOUND', 'venue not found', { venue_id: venueId });
  const { rows } = await db.query<VenueSectionRow>('SELECT id, rows FROM sections WHERE venue_id = $1 FOR SHARE', [venueId]);
  return rows;
}

function assertPricedSectionsBelong(body: CreateEventBody, sections: VenueSectionRow[]): void {
  const own = new Set(sections.map((s) => s.id.toLowerCase()));
  const details = body.prices.flatMap((price, index) =>
    own.has(price.section_id.toLowerCase())
      ? []
      : [{ field: `prices.${index}.section_id`, message: `section ${price.section_id} is not a section of venue ${body.venue_id}` }],
  );
  if (details.length > 0) throw new AppError('VALIDATION_ERROR', 'the request is not valid', { details });
}

/**
 * One seat row per seat of every priced SEATED section and one counter per priced GA section, built
 * set-based in PostgreSQL (a 100,000-seat arena is one statement, not 100,000 round trips).
 * Sections without a price are not on sale for this event and get no inventory.
 */
async function createInventory(db: PoolClient, eventId: string, maxRows: number): Promise<void> {
  const labels = Array.from({ length: maxRows }, (_, i) => rowLabel(i));
  // A large venue can take longer than the API's default statement timeout; this is a one-off admin write.
  await db.query("SET LOCAL statement_timeout = '120s'");
  await db.query(
    `INSERT INTO seats (event_id, section_id, row_label, seat_number)
     SELECT p.event_id, s.id, ($2::text[])[r.n], n.n
       FROM event_prices p
       JOIN sections s ON s.id = p.section_id AND s.kind = 'SEATED'
       CROSS JOIN LATERAL generate_series(1, s.rows) AS r(n)
       CROSS JOIN LATERAL generate_series(1, s.seats_per_row) AS n(n)
      WHERE p.event_id = $1
      ORDER BY s.position, r.n, n.n`,
    [eventId, labels],
  );
  await db.query(
    `INSERT INTO ga_inventory (event_id, section_id, capacity)
     SELECT p.event_id, s.id, s.capacity
       FROM event_prices p JOIN sections s ON s.id = p.section_id AND s.kind = 'GA'
      WHERE p.event_id = $1`,
    [eventId],
  );
}

// ---------------------------------------------------------------------------------------------------
// Reading one event
// ---------------------------------------------------------------------------------------------------

export interface SectionCounts {
  section_id: string;
  name: string;
  kind: SectionKind;
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

export async function getEvent(db: Queryable, id: string): Promise<EventView> {
  return requireEvent(db, id);
}

async function requireEvent(db: Queryable, id: string): Promise<EventView> {
  const row = await findEventRow(db, id);
  if (!row) throw eventNotFound(id);
  const sections = (await loadSectionCounts(db, id)).map(toEventSection);
  const presales = await db.query<{ name: string; starts_at: Date; ends_at: Date; max_tickets_per_user: number }>(
    'SELECT name, starts_at, ends_at, max_tickets_per_user FROM presale_windows WHERE event_id = $1 ORDER BY starts_at',
    [id],
  );
  return {
    ...toEventFields(row),
    presales: presales.rows.map((w) => ({ ...w, starts_at: w.starts_at.toISOString(), ends_at: w.ends_at.toISOString() })),
    sections,
    total_available: sections.reduce((sum, s) => sum + s.available, 0),
  };
}

export function eventNotFound(id: string): AppError {
  return new AppError('EVENT_NOT_FOUND', 'event not found', { event_id: id });
}

async function findEventRow(db: Queryable, id: string): Promise<EventRow | null> {
  if (!isUuid(id)) return null;
  const { rows } = await db.query<EventRow>(
    `SELECT ${EVENT_COLUMNS} FROM events e JOIN venues v ON v.id = e.venue_id WHERE e.id = $1`,
    [id],
  );
  return rows[0] ?? null;
}

function toEventFields(row: EventRow): Omit<EventView, 'sections' | 'total_available' | 'presales'> {
  return {
    id: row.id,
    venue_id: row.venue_id,
    name: row.name,
    category: row.category,
    artist: row.artist,
    starts_at: row.starts_at.toISOString(),
    on_sale_at: row.on_sale_at.toISOString(),
    status: row.status,
    hold_duration_seconds: row.hold_duration_seconds,
    max_hold_extensions: row.max_hold_extensions,
    max_tickets_per_order: row.max_tickets_per_order,
    high_demand: row.high_demand,
    created_at: row.created_at.toISOString(),
    venue: { id: row.venue_id, name: row.venue_name, city: row.venue_city },
  };
}

function toEventSection(c: SectionCounts): EventSectionView {
  return {
    section_id: c.section_id,
    name: c.name,
    kind: c.kind,
    price_cents: c.price_cents,
    total: c.total,
    available: c.available,
    held: c.held,
    sold: c.sold,
  };
}

// ---------------------------------------------------------------------------------------------------
// Listing
// ---------------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------------
// For reservations
// ---------------------------------------------------------------------------------------------------

export interface EventRules {
  id: string;
  venue_id: string;
  status: 'SCHEDULED' | 'CANCELLED';
  /** Not cancelled and on_sale_at has passed (by the database clock). */
  on_sale: boolean;
  on_sale_at: string;
  starts_at: string;
  hold_duration_seconds: number;
  max_hold_extensions: number;
  max_tickets_per_order: number;
  high_demand: boolean;
}

/** The event-level rules a reservation request is judged by; 404 EVENT_NOT_FOUND when unknown or malformed. */
export async function getEventRules(db: Queryable, eventId: string): Promise<EventRules> {
  if (!isUuid(eventId)) throw eventNotFound(eventId);
  const { rows } = await db.query<Omit<EventRules, 'on_sale_at' | 'starts_at'> & { on_sale_at: Date; starts_at: Date }>(
    `SELECT id, venue_id, status, status <> 'CANCELLED' AND on_sale_at <= now() AS on_sale, on_sale_at, starts_at,
            hold_duration_seconds, max_hold_extensions, max_tickets_per_order, high_demand
       FROM events WHERE id = $1`,
    [eventId],
  );
  const row = rows[0];
  if (!row) throw eventNotFound(eventId);
  return { ...row, on_sale_at: row.on_sale_at.toISOString(), starts_at: row.starts_at.toISOString() };
}

/**
 * Which of `seatIds` are seats of the event, in the order asked, without duplicates. Malformed ids are
 * simply not seats of the event (never a PostgreSQL error).
 */
export async function findSeatsOfEvent(db: Queryable, eventId: string, seatIds: string[]): Promise<string[]> {
  const candidates = [...new Set(seatIds.filter(isUuid).map((id) => id.toLowerCase()))];
  if (!isUuid(eventId) || candidates.length === 0) return [];
  const { rows } = await db.query<{ id: string }>('SELECT id FROM seats WHERE event_id = $1 AND id = ANY($2::uuid[])', [
    eventId,
    candidates,
  ]);
  const found = new Set(rows.map((r) => r.id));
  return candidates.filter((id) => found.has(id));
}

/** The GA sections on sale for the event (those with a counter); empty for an unknown or malformed id. */
export async function findGaSectionsOfEvent(db: Queryable, eventId: string): Promise<Set<string>> {
  if (!isUuid(eventId)) return new Set();
  const { rows } = await db.query<{ section_id: string }>('SELECT section_id FROM ga_inventory WHERE event_id = $1', [eventId]);
  return new Set(rows.map((r) => r.section_id));
}

/** Validates and applies the defaults; parsing an already parsed body gives the same body. */
function parseCreateEventBody(input: NewEvent): CreateEventBody {
  const iso = (value: DateInput | null | undefined) => (value instanceof Date ? value.toISOString() : value);
  const presales = input.presales?.map((w) => ({ ...w, starts_at: iso(w.starts_at), ends_at: iso(w.ends_at) }));
  return createEventBodySchema.parse({ ...input, starts_at: iso(input.starts_at), on_sale_at: iso(input.on_sale_at), ...(presales ? { presales } : {}) });
}
