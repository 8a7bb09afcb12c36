import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import type { EventView } from '../../src/api/openapi/event-schemas';
import type { VenueView } from '../../src/api/openapi/venue-schemas';
import { createEvent, type NewEvent } from '../../src/events/create-event';
import type { AuthUser, Role } from '../../src/users/auth-user';
import { createVenue } from '../../src/venues/create-venue';

/** A section's price; the bounds only for an event with `pricing: {mode: 'DEMAND', …}`. */
interface SeedPrice {
  price_cents?: number;
  min_price_cents?: number;
  max_price_cents?: number;
}

export interface SeedOptions {
  seated?: Array<{ rows: number; seats_per_row: number } & SeedPrice>;
  ga?: Array<{ capacity: number } & SeedPrice>;
  /** Overrides of the event body (venue_id and prices come from the sections above). */
  event?: Partial<Omit<NewEvent, 'venue_id' | 'prices'>>;
}

export interface SeededEvent {
  venue: VenueView;
  event: EventView;
  /** Every seat of the event, seated sections in the order given, then by row (A…Z, AA…) and number. */
  seatIds: string[];
  seatedSectionIds: string[];
  gaSectionIds: string[];
}

const DEFAULT_SEATED_PRICE = 5000;
const DEFAULT_GA_PRICE = 2500;

/**
 * A fresh venue and event built through the real services (so inventory is created exactly as the API
 * does), with unique names so tests can run in parallel against one database.
 * With neither `seated` nor `ga`, one 2 × 5 seated section. On sale since a minute ago, starting in 30 days.
 */
export async function seedEvent(pool: Pool, opts: SeedOptions = {}): Promise<SeededEvent> {
  const seated = opts.seated ?? (opts.ga ? [] : [{ rows: 2, seats_per_row: 5 }]);
  const ga = opts.ga ?? [];
  const tag = randomUUID().slice(0, 8);
  const venue = await createVenue(pool, {
    name: `Test venue ${tag}`,
    city: 'Testville',
    sections: [
      ...seated.map((s, i) => ({ name: `Seated ${i + 1}`, kind: 'SEATED' as const, rows: s.rows, seats_per_row: s.seats_per_row })),
      ...ga.map((g, i) => ({ name: `GA ${i + 1}`, kind: 'GA' as const, capacity: g.capacity })),
    ],
  });
  const seatedSectionIds = venue.sections.filter((s) => s.kind === 'SEATED').map((s) => s.id);
  const gaSectionIds = venue.sections.filter((s) => s.kind === 'GA').map((s) => s.id);
  const event = await createEvent(pool, {
    name: `Test event ${tag}`,
    starts_at: new Date(Date.now() + 30 * 86_400_000),
    // A minute in the past, so a small clock difference with PostgreSQL cannot make it "not on sale yet".
    on_sale_at: new Date(Date.now() - 60_000),
    ...opts.event,
    venue_id: venue.id,
    prices: [
      ...seatedSectionIds.map((id, i) => ({ section_id: id, ...priceOf(seated[i], DEFAULT_SEATED_PRICE) })),
      ...gaSectionIds.map((id, i) => ({ section_id: id, ...priceOf(ga[i], DEFAULT_GA_PRICE) })),
    ],
  });
  return { venue, event, seatIds: await seatIdsInOrder(pool, event.id), seatedSectionIds, gaSectionIds };
}

function priceOf(section: SeedPrice | undefined, fallback: number) {
  return {
    price_cents: section?.price_cents ?? fallback,
    ...(section?.min_price_cents !== undefined ? { min_price_cents: section.min_price_cents } : {}),
    ...(section?.max_price_cents !== undefined ? { max_price_cents: section.max_price_cents } : {}),
  };
}

async function seatIdsInOrder(pool: Pool, eventId: string): Promise<string[]> {
  const { rows } = await pool.query<{ id: string }>(
    `SELECT st.id FROM seats st JOIN sections s ON s.id = st.section_id
      WHERE st.event_id = $1
      ORDER BY s.position, length(st.row_label), st.row_label COLLATE "C", st.seat_number`,
    [eventId],
  );
  return rows.map((r) => r.id);
}

/** A user row inserted directly (no password login possible: password_hash is a placeholder). */
export async function createUser(pool: Pool, opts: { role?: Role; name?: string } = {}): Promise<AuthUser> {
  const tag = randomUUID();
  const { rows } = await pool.query<AuthUser>(
    `INSERT INTO users (email, name, password_hash, role) VALUES ($1, $2, 'x', $3) RETURNING id, email, name, role`,
    [`user-${tag}@example.test`, opts.name ?? `Test user ${tag.slice(0, 8)}`, opts.role ?? 'user'],
  );
  return rows[0]!;
}
