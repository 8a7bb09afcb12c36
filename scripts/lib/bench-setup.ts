/** Everything a flash sale needs, made through the public API as an operator and buyers would. */
import { mapWithConcurrency } from '../../src/shared/concurrency';
import { arrayField, expectStatus, field, stringField, type ApiClient } from './bench-http';

export interface Buyer {
  id: string;
  token: string;
  /** A high-demand event's admission: sent with holds as X-Queue-Token. */
  queueToken?: string;
}

export interface SaleShape {
  venueId: string;
  seatedSectionId: string;
  gaSectionId: string;
}

export interface SaleEvent {
  eventId: string;
  /** Every seat of the SEATED section, all AVAILABLE when the event is created. */
  seatIds: string[];
}

const API = '/api/v1';
const BUYER_PASSWORD = 'bench-buyer-password';
/** Registration hashes a password with scrypt (CPU-bound on the API): a few at a time is as fast as many. */
const REGISTER_CONCURRENCY = 8;


function requireString(value: unknown, key: string, what: string): string {
  const v = stringField(value, key);
  if (!v) throw new Error(`${what}: response has no "${key}": ${JSON.stringify(value).slice(0, 300)}`);
  return v;
}

export async function login(api: ApiClient, email: string, password: string): Promise<string> {
  const body = expectStatus(await api.call('POST', `${API}/auth/login`, { email, password }), 200, 'admin login');
  return requireString(body, 'token', 'admin login');
}

export async function createVenue(
  api: ApiClient,
  adminToken: string,
  tag: string,
  shape: { rows: number; seatsPerRow: number; ga: number },
): Promise<SaleShape> {
  const res = await api.call(
    'POST',
    `${API}/venues`,
    {
      name: `Bench arena ${tag}`,
      city: 'Benchville',
      sections: [
        { name: 'Floor', kind: 'SEATED', rows: shape.rows, seats_per_row: shape.seatsPerRow },
        { name: 'Lawn', kind: 'GA', capacity: shape.ga },
      ],
    },
    adminToken,
  );
  const venue = expectStatus(res, 201, 'create venue');
  const sections = arrayField(venue, 'sections');
  const sectionId = (kind: string): string => {
    const section = sections.find((s) => field(s, 'kind') === kind);
    return requireString(section, 'id', `create venue: ${kind} section`);
  };
  return { venueId: requireString(venue, 'id', 'create venue'), seatedSectionId: sectionId('SEATED'), gaSectionId: sectionId('GA') };
}

/** An event on sale now; tickets per order capped at 6 as the brief's flash sale. `highDemand`: sold through a waiting room. */
export async function createEvent(api: ApiClient, adminToken: string, shape: SaleShape, name: string, highDemand = false): Promise<SaleEvent> {
  const res = await api.call(
    'POST',
    `${API}/events`,
    {
      name,
      venue_id: shape.venueId,
      starts_at: new Date(Date.now() + 30 * 86_400_000).toISOString(),
      prices: [
        { section_id: shape.seatedSectionId, price_cents: 12_000 },
        { section_id: shape.gaSectionId, price_cents: 6_000 },
      ],
      max_tickets_per_order: 6,
      ...(highDemand ? { high_demand: true } : {}),
    },
    adminToken,
  );
  const eventId = requireString(expectStatus(res, 201, `create event "${name}"`), 'id', 'create event');
  return { eventId, seatIds: await availableSeats(api, eventId, shape.seatedSectionId) };
}

async function availableSeats(api: ApiClient, eventId: string, sectionId: string): Promise<string[]> {
  const res = await api.call('GET', `${API}/events/${eventId}/seats?section_id=${sectionId}&status=AVAILABLE`);
  const map = expectStatus(res, 200, 'seat map');
  const section = arrayField(map, 'sections').find((s) => field(s, 'section_id') === sectionId);
  const seats = arrayField(section, 'seats').flatMap((s) => {
    const id = stringField(s, 'seat_id');
    return id && field(s, 'status') === 'AVAILABLE' ? [id] : [];
  });
  if (seats.length === 0) throw new Error(`seat map of event ${eventId} lists no available seat in section ${sectionId}`);
  return seats;
}

export async function registerBuyers(api: ApiClient, count: number, tag: string): Promise<Buyer[]> {
  const indexes = Array.from({ length: count }, (_, i) => i);
  return mapWithConcurrency(indexes, REGISTER_CONCURRENCY, async (i) => {
    const res = await api.call('POST', `${API}/auth/register`, {
      email: `bench-${tag}-${i}@bench.example`,
      password: BUYER_PASSWORD,
      name: `Bench buyer ${i}`,
    });
    const body = expectStatus(res, 201, `register buyer ${i}`);
    return { id: requireString(field(body, 'user'), 'id', 'register'), token: requireString(body, 'token', 'register') };
  });
}
