import type { Pool } from 'pg';
import { createVenueBodySchema, type CreateVenueInput, type VenueView } from '../api/openapi/venue-schemas';
import { withTransaction } from '../db/transaction';
import { getVenue } from './venue-view';

/** Validated here too (idempotently), so callers outside HTTP get the same checks as the API. */
export async function createVenue(pool: Pool, input: CreateVenueInput): Promise<VenueView> {
  const body = createVenueBodySchema.parse(input);
  return withTransaction(pool, async (db) => {
    const { rows } = await db.query<{ id: string }>('INSERT INTO venues (name, city, address) VALUES ($1, $2, $3) RETURNING id', [
      body.name,
      body.city,
      body.address ?? null,
    ]);
    const venueId = rows[0]!.id;
    const sections = body.sections;
    await db.query(
      `INSERT INTO sections (venue_id, name, kind, position, rows, seats_per_row, capacity)
       SELECT $1, s.name, s.kind, s.position, s.rows, s.seats_per_row, s.capacity
         FROM unnest($2::text[], $3::text[], $4::int[], $5::int[], $6::int[], $7::int[])
           AS s(name, kind, position, rows, seats_per_row, capacity)`,
      [
        venueId,
        sections.map((s) => s.name),
        sections.map((s) => s.kind),
        sections.map((_, index) => index),
        sections.map((s) => (s.kind === 'SEATED' ? s.rows : null)),
        sections.map((s) => (s.kind === 'SEATED' ? s.seats_per_row : null)),
        sections.map((s) => (s.kind === 'GA' ? s.capacity : null)),
      ],
    );
    return getVenue(db, venueId);
  });
}
