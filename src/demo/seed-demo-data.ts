import type { Pool } from 'pg';
import { createEvent } from '../events/create-event';
import { createVenue } from '../venues/create-venue';

const DEMO_VENUE = 'Demo Arena';

/**
 * Demo data for `npm start`: a venue with seated and general-admission sections and a few events on
 * sale. Idempotent: when the demo venue exists nothing is added.
 */
export async function seedDemoData(pool: Pool): Promise<{ created: boolean; eventIds: string[] }> {
  const existing = await pool.query<{ id: string }>(
    `SELECT e.id FROM events e JOIN venues v ON v.id = e.venue_id WHERE v.name = $1 ORDER BY e.starts_at`,
    [DEMO_VENUE],
  );
  if (existing.rowCount) return { created: false, eventIds: existing.rows.map((r) => r.id) };

  const venue = await createVenue(pool, {
    name: DEMO_VENUE,
    city: 'Lisbon',
    address: '1 Demo Avenue',
    sections: [
      { name: 'Floor', kind: 'SEATED', rows: 10, seats_per_row: 20 },
      { name: 'Balcony', kind: 'SEATED', rows: 5, seats_per_row: 16 },
      { name: 'Lawn', kind: 'GA', capacity: 2000 },
    ],
  });
  const [floor, balcony, lawn] = venue.sections;
  if (!floor || !balcony || !lawn) throw new Error('demo venue sections missing');
  const inDays = (days: number): string => new Date(Date.now() + days * 86_400_000).toISOString();
  const shows = [
    { name: 'The Durable Timers — World Tour', artist: 'The Durable Timers', category: 'concert', starts_at: inDays(30) },
    { name: 'Idempotent Keys Live', artist: 'Idempotent Keys', category: 'concert', starts_at: inDays(45) },
    { name: 'Saga Night: Comedy of Compensations', artist: 'Various', category: 'comedy', starts_at: inDays(60) },
  ];
  const eventIds: string[] = [];
  for (const show of shows) {
    const event = await createEvent(pool, {
      ...show,
      venue_id: venue.id,
      prices: [
        { section_id: floor.id, price_cents: 12_500 },
        { section_id: balcony.id, price_cents: 8_000 },
        { section_id: lawn.id, price_cents: 4_500 },
      ],
    });
    eventIds.push(event.id);
  }
  return { created: true, eventIds };
}
