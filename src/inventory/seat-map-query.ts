import type { GaMapSection, SeatMapView, SeatStatus, SeatedMapSection } from '../api/openapi/event-schemas';
import type { Queryable } from '../db/transaction';

interface SectionRow {
  section_id: string;
  name: string;
  kind: 'SEATED' | 'GA';
  price_cents: number;
  capacity: number | null;
  ga_available: number | null;
  read_at: Date;
  /** DEMAND pricing: when the section's price may next move. */
  next_price_change_at: Date | null;
  /** The earliest held_until still ahead: then a seat or GA place goes back on sale with no version change. */
  next_lapse: Date | null;
}

interface SeatRow {
  seat_id: string;
  section_id: string;
  row: string;
  number: number;
  status: SeatStatus;
}

/**
 * The event's seat map read from PostgreSQL, and the instant it stops being true without any change
 * (the next held_until ahead: a lapsed hold is AVAILABLE); null when the event does not exist.
 */
export async function readSeatMap(db: Queryable, eventId: string): Promise<{ view: SeatMapView; readAt: Date; nextLapse: Date | null } | null> {
  const [sections, seats] = await Promise.all([loadSections(db, eventId), loadSeats(db, eventId)]);
  if (sections === null) return null;
  const bySection = new Map<string, SeatRow[]>();
  for (const seat of seats) {
    const list = bySection.get(seat.section_id);
    if (list) list.push(seat);
    else bySection.set(seat.section_id, [seat]);
  }
  const views = sections.rows.map((s) => toSectionView(s, bySection.get(s.section_id) ?? []));
  return {
    view: {
      event_id: eventId,
      sections: views,
      total_available: views.reduce((sum, s) => sum + s.available_count, 0),
      last_updated: sections.readAt.toISOString(),
    },
    readAt: sections.readAt,
    nextLapse: sections.nextLapse,
  };
}

function toSectionView(s: SectionRow, seats: SeatRow[]): SeatedMapSection | GaMapSection {
  const common = { section_id: s.section_id, name: s.name, price_cents: s.price_cents, next_price_change_at: s.next_price_change_at?.toISOString() ?? null };
  if (s.kind === 'GA') {
    return { ...common, kind: 'GA', capacity: s.capacity ?? 0, available_count: s.ga_available ?? 0 };
  }
  return {
    ...common,
    kind: 'SEATED',
    available_count: seats.filter((seat) => seat.status === 'AVAILABLE').length,
    seats: seats.map((seat) => ({ seat_id: seat.seat_id, row: seat.row, number: seat.number, status: seat.status })),
  };
}

/** The event's on-sale sections in venue order; null when the event does not exist. */
async function loadSections(db: Queryable, eventId: string): Promise<{ rows: SectionRow[]; readAt: Date; nextLapse: Date | null } | null> {
  // LEFT JOIN from the event, so an existing event with no priced section still answers (with no sections).
  const { rows } = await db.query<Omit<SectionRow, 'section_id'> & { section_id: string | null }>(
    `SELECT s.id AS section_id, s.name, s.kind, p.price_cents, g.capacity,
            GREATEST(g.capacity - g.sold - (g.held - COALESCE((
              SELECT sum(h.quantity) FROM ga_holds h
               WHERE h.event_id = g.event_id AND h.section_id = g.section_id AND h.status = 'HELD' AND h.held_until <= now()
            ), 0)), 0)::int AS ga_available,
            now() AS read_at,
            CASE WHEN e.status = 'CANCELLED' THEN NULL ELSE pr.next_change_at END AS next_price_change_at,
            -- On $1, not e.id: uncorrelated, so computed once for the query rather than once per section row.
            LEAST((SELECT min(held_until) FROM seats WHERE event_id = $1 AND status = 'HELD' AND held_until > now()),
                  (SELECT min(held_until) FROM ga_holds WHERE event_id = $1 AND status = 'HELD' AND held_until > now())) AS next_lapse
       FROM events e
       LEFT JOIN event_prices p ON p.event_id = e.id
       LEFT JOIN sections s ON s.id = p.section_id
       LEFT JOIN ga_inventory g ON g.event_id = e.id AND g.section_id = s.id
       LEFT JOIN event_pricing pr ON pr.event_id = e.id
      WHERE e.id = $1
      ORDER BY s.position`,
    [eventId],
  );
  const first = rows[0];
  if (!first) return null;
  return { rows: rows.filter((r): r is SectionRow => r.section_id !== null), readAt: first.read_at, nextLapse: first.next_lapse };
}

/** Seats in print order: rows by length then text (so Z < AA), then by number. */
async function loadSeats(db: Queryable, eventId: string): Promise<SeatRow[]> {
  const { rows } = await db.query<SeatRow>(
    `SELECT id AS seat_id, section_id, row_label AS row, seat_number AS number,
            CASE WHEN status = 'HELD' AND held_until <= now() THEN 'AVAILABLE' ELSE status END AS status
       FROM seats
      WHERE event_id = $1
      ORDER BY section_id, length(row_label), row_label COLLATE "C", seat_number`,
    [eventId],
  );
  return rows;
}
