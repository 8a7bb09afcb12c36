import type { Pool, PoolClient } from 'pg';
import { createEventBodySchema, type CreateEventBody, type CreateEventInput, type EventView } from '../api/openapi/event-schemas';
import { withTransaction } from '../db/transaction';
import { AppError } from '../domain/errors';
import { buildEventInventory } from '../inventory/build-inventory';
import { insertEventPrices } from '../pricing/event-pricing';
import { getEvent } from './event-view';

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
export async function createEvent(pool: Pool, input: NewEvent, options: CreateEventOptions = {}): Promise<EventView> {
  const body = parseCreateEventBody(input);
  return withTransaction(pool, async (db) => {
    const sections = await lockVenueSections(db, body.venue_id);
    assertPricedSectionsBelong(body, sections);
    const { rows } = await db.query<{ id: string }>(
      `INSERT INTO events (venue_id, name, category, artist, starts_at, on_sale_at, hold_duration_seconds,
                           max_hold_extensions, max_tickets_per_order, high_demand,
                           resale_allowed, resale_max_price_percent, resale_fee_percent)
       VALUES ($1, $2, $3, $4, $5, COALESCE($6, now()), $7, $8, $9, $10, $11, $12, $13) RETURNING id`,
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
        body.resale.allowed,
        body.resale.max_price_percent,
        body.resale.fee_percent,
      ],
    );
    const eventId = rows[0]!.id;
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
    // After the presale windows: a DEMAND event's first period ends one period after its sale opens.
    await insertEventPrices(db, eventId, body.prices, body.pricing);
    await buildEventInventory(db, eventId, Math.max(0, ...sections.map((s) => s.rows ?? 0)));
    const event = await getEvent(db, eventId);
    await options.beforeCommit?.(event);
    return event;
  });
}

export interface CreateEventOptions {
  /**
   * Runs inside the creating transaction, after everything is written: what must exist for the event
   * to be usable (its pricing workflow) is started here, so a failure leaves no event behind.
   */
  beforeCommit?: (event: EventView) => Promise<void>;
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

/** Validates and applies the defaults; parsing an already parsed body gives the same body. */
function parseCreateEventBody(input: NewEvent): CreateEventBody {
  const iso = (value: DateInput | null | undefined) => (value instanceof Date ? value.toISOString() : value);
  const presales = input.presales?.map((w) => ({ ...w, starts_at: iso(w.starts_at), ends_at: iso(w.ends_at) }));
  return createEventBodySchema.parse({ ...input, starts_at: iso(input.starts_at), on_sale_at: iso(input.on_sale_at), ...(presales ? { presales } : {}) });
}
