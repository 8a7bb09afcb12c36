import type { VenueSectionView, VenueView } from '../api/openapi/venue-schemas';
import type { Queryable } from '../db/transaction';
import { isUuid } from '../db/uuid';
import { AppError } from '../domain/errors';

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

/** The venue with its sections in venue order; 404 NOT_FOUND when unknown or malformed. */
export async function getVenue(db: Queryable, id: string): Promise<VenueView> {
  const venue = await findVenue(db, id);
  if (!venue) throw new AppError('NOT_FOUND', 'venue not found', { venue_id: id });
  return venue;
}

async function findVenue(db: Queryable, id: string): Promise<VenueView | null> {
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
