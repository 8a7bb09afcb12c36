import { randomBytes, randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { ensureAdmin } from '../../src/users/user-accounts';
import type { HttpClient } from './http';

export interface Buyer {
  id: string;
  email: string;
  token: string;
}

export async function registerBuyer(api: HttpClient, name = 'Buyer'): Promise<Buyer> {
  const email = `buyer-${randomUUID()}@example.com`;
  const res = await api.post('/api/v1/auth/register', { email, password: 'correct-horse-battery', name });
  if (res.status !== 201) throw new Error(`register failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { id: res.body.user.id, email, token: res.body.token };
}

export async function adminToken(api: HttpClient, pool: Pool): Promise<string> {
  const email = `admin-${randomUUID()}@example.com`;
  const password = randomBytes(18).toString('base64url');
  await ensureAdmin(pool, email, password);
  const res = await api.post('/api/v1/auth/login', { email, password });
  if (res.status !== 200) throw new Error(`admin login failed: ${res.status}`);
  return res.body.token;
}

export interface ApiEvent {
  eventId: string;
  seatedSectionId: string | null;
  gaSectionId: string | null;
  seatIds: string[];
}

/** An admin creates a venue and an event through the API, as an operator would. */
export async function createEventViaApi(
  api: HttpClient,
  token: string,
  shape: { rows?: number; seatsPerRow?: number; gaCapacity?: number; event?: Record<string, unknown> },
): Promise<ApiEvent> {
  const sections: Array<Record<string, unknown>> = [];
  if (shape.rows) sections.push({ name: 'Floor', kind: 'SEATED', rows: shape.rows, seats_per_row: shape.seatsPerRow ?? 10 });
  if (shape.gaCapacity) sections.push({ name: 'Lawn', kind: 'GA', capacity: shape.gaCapacity });
  const venue = await api.post('/api/v1/venues', { name: `Venue ${randomUUID()}`, city: 'Porto', sections }, { token });
  if (venue.status !== 201) throw new Error(`venue: ${venue.status} ${JSON.stringify(venue.body)}`);
  const sectionIds = (venue.body.sections as Array<{ id: string; kind: string }>);
  const seated = sectionIds.find((s) => s.kind === 'SEATED')?.id ?? null;
  const ga = sectionIds.find((s) => s.kind === 'GA')?.id ?? null;
  const event = await api.post(
    '/api/v1/events',
    {
      name: `Show ${randomUUID()}`,
      venue_id: venue.body.id,
      starts_at: new Date(Date.now() + 7 * 86_400_000).toISOString(),
      prices: sectionIds.map((s) => ({ section_id: s.id, price_cents: s.kind === 'GA' ? 5000 : 35000 })),
      max_tickets_per_order: 6,
      ...shape.event,
    },
    { token },
  );
  if (event.status !== 201) throw new Error(`event: ${event.status} ${JSON.stringify(event.body)}`);
  const map = await api.get(`/api/v1/events/${event.body.id}/seats`);
  const seatIds = (map.body.sections as Array<{ kind: string; seats?: Array<{ seat_id: string }> }>)
    .filter((s) => s.kind === 'SEATED')
    .flatMap((s) => (s.seats ?? []).map((seat) => seat.seat_id));
  return { eventId: event.body.id, seatedSectionId: seated, gaSectionId: ga, seatIds };
}
