import type { Pool } from 'pg';
import type { Queryable } from '../../db/transaction';
import { withTransaction } from '../../db/transaction';
import { AppError } from '../../domain/errors';
import { createVenueBodySchema, type CreateVenueInput, type VenueSectionView, type VenueView } from '../openapi/venue-schemas';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids reach SQL only when well-formed, so a malformed one is "not found" rather than a PostgreSQL error. */
export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID_RE.test(value);
}

interface VenueRow {
  id: string;
  name: string;
  city: string;
  address: string | null;
  created_at: Date;
}

interface SectionRow {
  id: string;
  name: string;
  kind: 'SEATED' | 'GA';
  rows: number | null;
  seats_per_row: number | null;
  capacity: number | null;
}

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
    return requireVenue(db, venueId);
  });
}

export async function getVenue(db: Queryable, id: string): Promise<VenueView> {
  return requireVenue(db, id);
}

async function requireVenue(db: Queryable, id: string): Promise<VenueView> {
  const venue = await findVenue(db, id);
  if (!venue) throw new AppError('NOT_FOUND', 'venue not found', { venue_id: id });
  return venue;
}

export async function findVenue(db: Queryable, id: string): Promise<VenueView | null> {
  if (!isUuid(id)) return null;
  const venue = await db.query<VenueRow>('SELECT id, name, city, address, created_at FROM venues WHERE id = $1', [id]);
  const row = venue.rows[0];
  if (!row) return null;
  const sections = await db.query<SectionRow>(
    'SELECT id, name, kind, rows, seats_per_row, capacity FROM sections WHERE venue_id = $1 ORDER BY position',
    [id],
  );
  return {
    id: row.id,
    name: row.name,
    city: row.city,
    address: row.address,
    sections: sections.rows.map(toSectionView),
    created_at: row.created_at.toISOString(),
  };
}

function toSectionView(row: SectionRow): VenueSectionView {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    rows: row.rows,
    seats_per_row: row.seats_per_row,
    capacity: row.capacity ?? (row.rows ?? 0) * (row.seats_per_row ?? 0),
  };
}
