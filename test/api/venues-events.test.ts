import { createEventFactsCache } from '../../src/events/event-facts';
import { randomUUID } from 'node:crypto';
import express, { type Express } from 'express';
import type { Redis } from 'ioredis';
import type { Pool } from 'pg';
import request from 'supertest';
import type { ApiDeps } from '../../src/api/deps';
import { errorHandler, notFoundRoute } from '../../src/api/middleware/error-handler';
import { createRegistry } from '../../src/api/openapi/registry';
import { createAdminRouter } from '../../src/api/routes/admin-router';
import { createEventsRouter } from '../../src/api/routes/events-router';
import { createVenuesRouter } from '../../src/api/routes/venues-router';
import { loadConfig } from '../../src/config';
import { migrate } from '../../src/db/migrate';
import { createPool } from '../../src/db/pool';
import { inventoryVersionKey } from '../../src/inventory/inventory-signals';
import { rowLabel } from '../../src/inventory/row-labels';
import { createRedis } from '../../src/shared/clients';
import type { AuthUser } from '../../src/users/auth-user';
import { createSession } from '../../src/users/sessions';
import { TEST_SECRETS, testDatabaseUrl, testTicketKeys } from '../support/env';
import { createUser, seedEvent } from '../support/fixtures';


const config = loadConfig({
  ...process.env,
  ...TEST_SECRETS,
  DATABASE_URL: testDatabaseUrl(),
  REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/1',
});

/** A FIXED event's section (the default): no bounds, no next change. */
const FIXED_PRICE = { min_price_cents: null, max_price_cents: null, next_price_change_at: null };

let pool: Pool;
let redis: Redis;
let app: Express;
let admin: AuthUser;
let buyer: AuthUser;
let adminToken: string;
let userToken: string;
const serverErrors: string[] = [];

/** Only this module's routers: the rest of createApp is still being written by others. */
function buildApp(deps: ApiDeps): Express {
  const registry = createRegistry();
  const api = express();
  api.use(express.json());
  api.use('/api/v1/venues', createVenuesRouter(deps, registry, '/api/v1/venues'));
  api.use('/api/v1/events', createEventsRouter(deps, registry, '/api/v1/events'));
  api.use('/api/v1/admin', createAdminRouter(deps, registry, '/api/v1/admin'));
  api.use(notFoundRoute);
  api.use(errorHandler((line) => serverErrors.push(line)));
  return api;
}

beforeAll(async () => {
  pool = createPool(config);
  redis = createRedis(config);
  await migrate(pool);
  app = buildApp(depsWith({}));
  admin = await createUser(pool, { role: 'admin' });
  buyer = await createUser(pool);
  adminToken = await createSession(redis, admin, 3600);
  userToken = await createSession(redis, buyer, 3600);
});

afterAll(async () => {
  await pool.end();
  redis.disconnect();
});

function depsWith(overrides: Partial<ApiDeps>): ApiDeps {
  return { config, pool, redis, temporal: undefined as never, metrics: undefined as never, ticketKeys: testTicketKeys(), rateLimits: undefined as never, eventFacts: createEventFactsCache({ ttlMs: 1000, maxEvents: 100 }), ...overrides };
}

/** The suite's pool, counting the queries made through it. */
function countingPool(): { pool: Pool; queries(): number } {
  let n = 0;
  const counted = new Proxy(pool, {
    get(target, property, receiver) {
      if (property === 'query') {
        return (...args: unknown[]) => {
          n += 1;
          return (target.query as (...a: unknown[]) => unknown)(...args);
        };
      }
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { pool: counted, queries: () => n };
}

const asAdmin = (req: request.Test): request.Test => req.set('Authorization', `Bearer ${adminToken}`);
const asUser = (req: request.Test): request.Test => req.set('Authorization', `Bearer ${userToken}`);
const tag = (): string => randomUUID().slice(0, 8);
const inDays = (days: number): string => new Date(Date.now() + days * 86_400_000).toISOString();

async function count(sql: string, params: unknown[]): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${sql}`, params);
  return rows[0]!.n;
}

function expectValidationError(res: request.Response): void {
  expect(res.status).toBe(400);
  expect(res.body.error).toBe('VALIDATION_ERROR');
  expect(typeof res.body.message).toBe('string');
  expect(res.body.details.length).toBeGreaterThan(0);
  for (const d of res.body.details) expect(d).toEqual({ field: expect.any(String), message: expect.any(String) });
}

/** Reservations and holds set up directly in SQL, as a worker would have left them. */
async function insertReservation(eventId: string, status: string, heldUntil = new Date(Date.now() + 600_000)): Promise<string> {
  const id = randomUUID();
  await pool.query(
    `INSERT INTO reservations (id, event_id, user_id, status, held_until, max_hold_extensions, total_price_cents, released_at)
     VALUES ($1, $2, $3, $4, $5, 1, 0, CASE WHEN $4 IN ('EXPIRED', 'CANCELLED') THEN now() END)`,
    [id, eventId, buyer.id, status, heldUntil],
  );
  return id;
}

async function holdSeat(eventId: string, seatId: string, heldUntil: Date): Promise<string> {
  const reservationId = await insertReservation(eventId, 'HELD', heldUntil);
  await pool.query(`UPDATE seats SET status = 'HELD', reservation_id = $2, held_until = $3 WHERE id = $1`, [seatId, reservationId, heldUntil]);
  return reservationId;
}

async function sellSeat(eventId: string, seatId: string): Promise<void> {
  const reservationId = await insertReservation(eventId, 'CONFIRMED');
  await pool.query(`UPDATE seats SET status = 'SOLD', reservation_id = $2 WHERE id = $1`, [seatId, reservationId]);
}

async function holdGa(eventId: string, sectionId: string, quantity: number, heldUntil: Date): Promise<void> {
  const reservationId = await insertReservation(eventId, 'HELD', heldUntil);
  await pool.query('UPDATE ga_inventory SET held = held + $3 WHERE event_id = $1 AND section_id = $2', [eventId, sectionId, quantity]);
  await pool.query(
    `INSERT INTO ga_holds (reservation_id, event_id, section_id, quantity, status, held_until) VALUES ($1, $2, $3, $4, 'HELD', $5)`,
    [reservationId, eventId, sectionId, quantity, heldUntil],
  );
}

/** Direct SQL changes bypass the workers, so the seat-map cache is moved on as they would. */
async function bumpVersion(eventId: string): Promise<void> {
  await redis.incr(inventoryVersionKey(eventId));
}

const minutesFromNow = (m: number): Date => new Date(Date.now() + m * 60_000);

function arenaBody(name: string): Record<string, unknown> {
  return {
    name,
    city: 'Lisbon',
    address: '1 Test Street',
    sections: [
      { name: 'Floor', kind: 'SEATED', rows: 3, seats_per_row: 4 },
      { name: 'Upper', kind: 'SEATED', rows: 28, seats_per_row: 2 },
      { name: 'Lawn', kind: 'GA', capacity: 100 },
      { name: 'Box', kind: 'SEATED', rows: 1, seats_per_row: 2 },
    ],
  };
}

describe('venues', () => {
  test('an admin creates a venue and anyone can read it back, sections in the order given', async () => {
    const name = `Arena ${tag()}`;
    const created = await asAdmin(request(app).post('/api/v1/venues')).send(arenaBody(name));
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: expect.any(String), name, city: 'Lisbon', address: '1 Test Street', created_at: expect.any(String) });
    expect(created.body.sections).toEqual([
      { id: expect.any(String), name: 'Floor', kind: 'SEATED', rows: 3, seats_per_row: 4, capacity: 12 },
      { id: expect.any(String), name: 'Upper', kind: 'SEATED', rows: 28, seats_per_row: 2, capacity: 56 },
      { id: expect.any(String), name: 'Lawn', kind: 'GA', rows: null, seats_per_row: null, capacity: 100 },
      { id: expect.any(String), name: 'Box', kind: 'SEATED', rows: 1, seats_per_row: 2, capacity: 2 },
    ]);
    const read = await request(app).get(`/api/v1/venues/${created.body.id}`);
    expect(read.status).toBe(200);
    expect(read.body).toEqual(created.body);
  });

  test('only admins create venues: no token is 401, a user token 403, and nothing is created', async () => {
    const name = `Forbidden ${tag()}`;
    const anonymous = await request(app).post('/api/v1/venues').send(arenaBody(name));
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.error).toBe('UNAUTHENTICATED');
    const garbage = await request(app).post('/api/v1/venues').set('Authorization', 'Bearer not-a-real-token-at-all').send(arenaBody(name));
    expect(garbage.status).toBe(401);
    const user = await asUser(request(app).post('/api/v1/venues')).send(arenaBody(name));
    expect(user.status).toBe(403);
    expect(user.body.error).toBe('FORBIDDEN');
    expect(await count('venues WHERE name = $1', [name])).toBe(0);
  });

  test('unknown and malformed venue ids are 404', async () => {
    for (const id of [randomUUID(), 'not-a-uuid', "1'; DROP TABLE venues; --", '00000000-0000-0000-0000-00000000000g']) {
      const res = await request(app).get(`/api/v1/venues/${encodeURIComponent(id)}`);
      expect(res.status).toBe(404);
      expect(res.body).toMatchObject({ error: 'NOT_FOUND', message: expect.any(String) });
    }
  });

  const seated = (extra: Record<string, unknown> = {}) => ({ name: 'S', kind: 'SEATED', rows: 2, seats_per_row: 2, ...extra });
  const badVenues: Array<[string, (t: string) => unknown]> = [
    ['missing name', (t) => ({ city: t, sections: [seated()] })],
    ['blank name', (t) => ({ name: '   ', city: t, sections: [seated()] })],
    ['city of the wrong type', (t) => ({ name: t, city: 42, sections: [seated()] })],
    ['no sections', (t) => ({ name: t, city: t, sections: [] })],
    ['sections not an array', (t) => ({ name: t, city: t, sections: 'Floor' })],
    ['51 sections', (t) => ({ name: t, city: t, sections: Array.from({ length: 51 }, (_, i) => seated({ name: `S${i}` })) })],
    ['0 rows', (t) => ({ name: t, city: t, sections: [seated({ rows: 0 })] })],
    ['201 rows', (t) => ({ name: t, city: t, sections: [seated({ rows: 201 })] })],
    ['501 seats per row', (t) => ({ name: t, city: t, sections: [seated({ seats_per_row: 501 })] })],
    ['fractional seats per row', (t) => ({ name: t, city: t, sections: [seated({ seats_per_row: 1.5 })] })],
    ['seats per row as a string', (t) => ({ name: t, city: t, sections: [seated({ seats_per_row: '10' })] })],
    ['seated section without rows', (t) => ({ name: t, city: t, sections: [{ name: 'S', kind: 'SEATED', seats_per_row: 2 }] })],
    ['unknown kind', (t) => ({ name: t, city: t, sections: [{ name: 'S', kind: 'VIP', capacity: 10 }] })],
    ['GA capacity 0', (t) => ({ name: t, city: t, sections: [{ name: 'L', kind: 'GA', capacity: 0 }] })],
    ['GA capacity over 1,000,000', (t) => ({ name: t, city: t, sections: [{ name: 'L', kind: 'GA', capacity: 1_000_001 }] })],
    ['GA capacity negative', (t) => ({ name: t, city: t, sections: [{ name: 'L', kind: 'GA', capacity: -5 }] })],
    ['more than 200,000 seats in all', (t) => ({ name: t, city: t, sections: [seated({ name: 'A', rows: 200, seats_per_row: 500 }), seated({ name: 'B', rows: 200, seats_per_row: 500 }), seated({ name: 'C' })] })],
    ['duplicate section names', (t) => ({ name: t, city: t, sections: [seated({ name: 'Floor' }), { name: 'floor', kind: 'GA', capacity: 5 }] })],
    ['a body that is an array', () => [{ name: 'x' }]],
  ];

  test.each(badVenues)('%s is 400 VALIDATION_ERROR with details, and creates nothing', async (_label, build) => {
    const t = `bad-${tag()}`;
    const res = await asAdmin(request(app).post('/api/v1/venues')).send(build(t) as object);
    expectValidationError(res);
    expect(await count('venues WHERE name = $1 OR city = $1', [t])).toBe(0);
  });

  test('malformed JSON is 400 VALIDATION_ERROR', async () => {
    const res = await asAdmin(request(app).post('/api/v1/venues')).set('Content-Type', 'application/json').send('{"name": "x",');
    expectValidationError(res);
  });
});

describe('events', () => {
  let venue: any;
  let otherVenue: any;

  beforeAll(async () => {
    venue = (await asAdmin(request(app).post('/api/v1/venues')).send(arenaBody(`Event arena ${tag()}`))).body;
    otherVenue = (await asAdmin(request(app).post('/api/v1/venues')).send(arenaBody(`Other arena ${tag()}`))).body;
  });

  const section = (name: string): string => (venue.sections as Array<{ id: string; name: string }>).find((s) => s.name === name)!.id;
  const eventBody = (extra: Record<string, unknown> = {}) => ({
    name: `Show ${tag()}`,
    venue_id: venue.id,
    starts_at: inDays(30),
    prices: [
      { section_id: section('Floor'), price_cents: 35_000 },
      { section_id: section('Upper'), price_cents: 12_000 },
      { section_id: section('Lawn'), price_cents: 5_000 },
    ],
    ...extra,
  });
  /** Inventory rows anywhere in this test's venue: a refused request must leave them untouched. */
  const inventoryOfVenue = async (): Promise<number[]> =>
    Promise.all([
      count('events WHERE venue_id = $1', [venue.id]),
      count('seats WHERE section_id IN (SELECT id FROM sections WHERE venue_id = $1)', [venue.id]),
      count('ga_inventory WHERE section_id IN (SELECT id FROM sections WHERE venue_id = $1)', [venue.id]),
      count('event_prices WHERE section_id IN (SELECT id FROM sections WHERE venue_id = $1)', [venue.id]),
    ]);

  test('an admin creates an event; its inventory exists when the 201 arrives, only for priced sections', async () => {
    const body = eventBody({ category: 'concert', artist: 'The Testers' });
    const res = await asAdmin(request(app).post('/api/v1/events')).send(body);
    expect(res.status).toBe(201);
    const event = res.body;
    expect(event).toMatchObject({
      id: expect.any(String),
      venue_id: venue.id,
      name: body.name,
      category: 'concert',
      artist: 'The Testers',
      starts_at: body.starts_at,
      status: 'SCHEDULED',
      hold_duration_seconds: 600,
      max_hold_extensions: 1,
      max_tickets_per_order: 6,
      high_demand: false,
      venue: { id: venue.id, name: venue.name, city: 'Lisbon' },
      pricing: { mode: 'FIXED', period_seconds: null, max_step_percent: null, next_change_at: null },
      total_available: 12 + 56 + 100,
    });
    expect(Date.parse(event.on_sale_at)).toBeLessThanOrEqual(Date.now() + 1000);
    expect(event.sections).toEqual([
      { section_id: section('Floor'), name: 'Floor', kind: 'SEATED', price_cents: 35_000, ...FIXED_PRICE, total: 12, available: 12, held: 0, sold: 0 },
      { section_id: section('Upper'), name: 'Upper', kind: 'SEATED', price_cents: 12_000, ...FIXED_PRICE, total: 56, available: 56, held: 0, sold: 0 },
      { section_id: section('Lawn'), name: 'Lawn', kind: 'GA', price_cents: 5_000, ...FIXED_PRICE, total: 100, available: 100, held: 0, sold: 0 },
    ]);

    expect(await count('seats WHERE event_id = $1 AND section_id = $2', [event.id, section('Floor')])).toBe(3 * 4);
    expect(await count('seats WHERE event_id = $1 AND section_id = $2', [event.id, section('Upper')])).toBe(28 * 2);
    expect(await count('seats WHERE event_id = $1 AND section_id = $2', [event.id, section('Box')])).toBe(0);
    expect(await count(`seats WHERE event_id = $1 AND (status <> 'AVAILABLE' OR reservation_id IS NOT NULL)`, [event.id])).toBe(0);
    const ga = await pool.query('SELECT section_id, capacity, held, sold FROM ga_inventory WHERE event_id = $1', [event.id]);
    expect(ga.rows).toEqual([{ section_id: section('Lawn'), capacity: 100, held: 0, sold: 0 }]);
    const labels = await pool.query<{ row_label: string }>(
      'SELECT row_label FROM seats WHERE event_id = $1 AND section_id = $2 GROUP BY row_label ORDER BY length(row_label), row_label',
      [event.id, section('Upper')],
    );
    expect(labels.rows.map((r) => r.row_label)).toEqual([...'ABCDEFGHIJKLMNOPQRSTUVWXYZ'.split(''), 'AA', 'AB']);

    const read = await request(app).get(`/api/v1/events/${event.id}`);
    expect(read.status).toBe(200);
    expect(read.body).toEqual(event);
  });

  test('row labels go A…Z, AA…AZ, BA… ', () => {
    expect([0, 25, 26, 27, 51, 52, 199, 701, 702].map(rowLabel)).toEqual(['A', 'Z', 'AA', 'AB', 'AZ', 'BA', 'GR', 'ZZ', 'AAA']);
  });

  test('the event rules given are kept', async () => {
    const onSale = inDays(1);
    const res = await asAdmin(request(app).post('/api/v1/events')).send(
      eventBody({ on_sale_at: onSale, hold_duration_seconds: 1800, max_hold_extensions: 0, max_tickets_per_order: 100, high_demand: true }),
    );
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ on_sale_at: onSale, hold_duration_seconds: 1800, max_hold_extensions: 0, max_tickets_per_order: 100, high_demand: true });
  });

  test('only admins create events', async () => {
    const before = await inventoryOfVenue();
    expect((await request(app).post('/api/v1/events').send(eventBody())).status).toBe(401);
    const res = await asUser(request(app).post('/api/v1/events')).send(eventBody());
    expect(res.status).toBe(403);
    expect(res.body.error).toBe('FORBIDDEN');
    expect(await inventoryOfVenue()).toEqual(before);
  });

  const badEvents: Array<[string, () => Record<string, unknown>]> = [
    ['missing name', () => ({ ...eventBody(), name: undefined })],
    ['missing starts_at', () => eventBody({ starts_at: undefined })],
    ['starts_at not a date', () => eventBody({ starts_at: 'next friday' })],
    ['starts_at without a time zone', () => eventBody({ starts_at: '2027-01-10T19:30:00' })],
    ['starts_at on February 30th', () => eventBody({ starts_at: '2027-02-30T19:30:00Z' })],
    ['starts_at as a number', () => eventBody({ starts_at: Date.now() })],
    ['on_sale_at after starts_at', () => eventBody({ on_sale_at: inDays(31) })],
    ['malformed venue_id', () => eventBody({ venue_id: 'venue-1' })],
    ['no prices', () => eventBody({ prices: [] })],
    ['negative price', () => eventBody({ prices: [{ section_id: section('Floor'), price_cents: -1 }] })],
    ['fractional price', () => eventBody({ prices: [{ section_id: section('Floor'), price_cents: 10.5 }] })],
    ['price as a string', () => eventBody({ prices: [{ section_id: section('Floor'), price_cents: '100' }] })],
    ['malformed section id', () => eventBody({ prices: [{ section_id: 'floor', price_cents: 100 }] })],
    [
      'the same section priced twice',
      () => eventBody({ prices: [{ section_id: section('Floor'), price_cents: 100 }, { section_id: section('Floor'), price_cents: 200 }] }),
    ],
    ['a section of another venue', () => eventBody({ prices: [{ section_id: (otherVenue.sections[0] as { id: string }).id, price_cents: 100 }] })],
    ['an unknown section', () => eventBody({ prices: [{ section_id: section('Floor'), price_cents: 100 }, { section_id: randomUUID(), price_cents: 100 }] })],
    ['hold_duration_seconds 0', () => eventBody({ hold_duration_seconds: 0 })],
    ['hold_duration_seconds 1801', () => eventBody({ hold_duration_seconds: 1801 })],
    ['max_hold_extensions 11', () => eventBody({ max_hold_extensions: 11 })],
    ['max_hold_extensions -1', () => eventBody({ max_hold_extensions: -1 })],
    ['max_tickets_per_order 0', () => eventBody({ max_tickets_per_order: 0 })],
    ['max_tickets_per_order 101', () => eventBody({ max_tickets_per_order: 101 })],
    ['max_tickets_per_order 2.5', () => eventBody({ max_tickets_per_order: 2.5 })],
    ['high_demand as a string', () => eventBody({ high_demand: 'yes' })],
    ['category of the wrong type', () => eventBody({ category: ['rock'] })],
  ];

  test.each(badEvents)('%s is 400 VALIDATION_ERROR with details, and creates nothing', async (_label, build) => {
    const before = await inventoryOfVenue();
    const res = await asAdmin(request(app).post('/api/v1/events')).send(build());
    expectValidationError(res);
    expect(await inventoryOfVenue()).toEqual(before);
  });

  test('a price for a section of another venue names the offending field', async () => {
    const foreign = (otherVenue.sections[2] as { id: string }).id;
    const res = await asAdmin(request(app).post('/api/v1/events')).send(
      eventBody({ prices: [{ section_id: section('Floor'), price_cents: 100 }, { section_id: foreign, price_cents: 100 }] }),
    );
    expectValidationError(res);
    expect(res.body.details).toEqual([{ field: 'prices.1.section_id', message: expect.stringContaining(foreign) }]);
  });

  test('an unknown venue is 404 NOT_FOUND', async () => {
    const res = await asAdmin(request(app).post('/api/v1/events')).send(eventBody({ venue_id: randomUUID() }));
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ error: 'NOT_FOUND', message: expect.any(String) });
  });

  test('unknown and malformed event ids are 404 EVENT_NOT_FOUND, for the event and its seat map', async () => {
    for (const id of [randomUUID(), 'nope', '12345']) {
      for (const path of [`/api/v1/events/${id}`, `/api/v1/events/${id}/seats`]) {
        const res = await request(app).get(path);
        expect(res.status).toBe(404);
        expect(res.body).toMatchObject({ error: 'EVENT_NOT_FOUND', message: expect.any(String) });
      }
    }
  });
});

describe('listing events', () => {
  const category = `cat-${tag()}`;
  const city = `City-${tag()}`;
  let ids: string[] = [];

  beforeAll(async () => {
    // Five events over four instants: two share one, so the order falls back on id.
    const base = Date.now() + 100 * 86_400_000;
    const starts = [3, 1, 2, 2, 4].map((d) => new Date(base + d * 86_400_000));
    const seeded = [];
    for (const [i, startsAt] of starts.entries()) {
      seeded.push(await seedEvent(pool, { ga: [{ capacity: 5 }], event: { name: `Listed ${i} ${category}`, category, starts_at: startsAt, artist: i === 4 ? 'Zed 100%' : null } }));
    }
    await pool.query('UPDATE venues SET city = $1 WHERE id = ANY($2::uuid[])', [city, seeded.map((s) => s.venue.id)]);
    ids = seeded
      .map((s, i) => ({ id: s.event.id, at: starts[i]!.getTime() }))
      .sort((a, b) => a.at - b.at || (a.id < b.id ? -1 : 1))
      .map((e) => e.id);
  });

  test('pages of 2 with next_cursor walk every event once, in (starts_at, id) order', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res: request.Response = await request(app)
        .get('/api/v1/events')
        .query({ category, limit: 2, ...(cursor ? { cursor } : {}) });
      expect(res.status).toBe(200);
      expect(res.body.events.length).toBeLessThanOrEqual(2);
      seen.push(...res.body.events.map((e: { id: string }) => e.id));
      cursor = res.body.next_cursor;
      pages += 1;
    } while (cursor && pages < 10);
    expect(seen).toEqual(ids);
    expect(pages).toBe(3);
  });

  test('the page items carry the event, its venue and its cheapest price', async () => {
    const res = await request(app).get('/api/v1/events').query({ category, limit: 1 });
    expect(res.body.events[0]).toMatchObject({ id: ids[0], category, venue: { city }, min_price_cents: 2500, status: 'SCHEDULED' });
    expect(typeof res.body.next_cursor).toBe('string');
  });

  test('filters: q (name, artist, wildcard characters taken literally), city, category, from and to', async () => {
    const list = async (query: Record<string, string | number>): Promise<string[]> => {
      const res = await request(app).get('/api/v1/events').query({ limit: 100, ...query });
      expect(res.status).toBe(200);
      return res.body.events.map((e: { id: string }) => e.id);
    };
    expect(await list({ category: category.toUpperCase() })).toEqual(ids);
    expect(await list({ city: city.toLowerCase() })).toEqual(ids);
    expect(await list({ q: `listed ${category}` })).toEqual(ids);
    expect(await list({ q: `zed 100% ${category}` })).toHaveLength(1);
    expect(await list({ q: `zed 1000% ${category}` })).toHaveLength(0);
    expect(await list({ q: `Zed 10_% ${category}` })).toHaveLength(0);
    const all = await request(app).get('/api/v1/events').query({ category, limit: 100 });
    const startsAt = all.body.events.map((e: { starts_at: string }) => e.starts_at);
    expect(await list({ category, from: startsAt[1], to: startsAt[3] })).toEqual(ids.slice(1, 4));
    expect(await list({ category, from: startsAt[4].slice(0, 10) })).toEqual(ids.slice(4));
  });

  test('empty parameters count as not given', async () => {
    const res = await request(app).get(`/api/v1/events?q=&city=&category=&from=&to=&limit=&cursor=`);
    expect(res.status).toBe(200);
    expect(res.body.events.length).toBeLessThanOrEqual(20);
  });

  test.each([
    ['limit=0'],
    ['limit=101'],
    ['limit=abc'],
    ['limit=2.5'],
    ['from=yesterday'],
    ['to=2027-13-01T00:00:00Z'],
    ['from=2027-02-01T00:00:00Z&to=2027-01-01T00:00:00Z'],
    ['cursor=garbage'],
    [`cursor=${Buffer.from('["2027-01-01T00:00:00Z","x"]').toString('base64url')}`],
  ])('%s is 400 VALIDATION_ERROR', async (query) => {
    expectValidationError(await request(app).get(`/api/v1/events?${query}`));
  });
});

describe('seat map', () => {
  test('shape: sections in venue order, seats by row (Z before AA) then number, GA with capacity', async () => {
    const { event, seatedSectionIds, gaSectionIds, seatIds } = await seedEvent(pool, {
      seated: [{ rows: 28, seats_per_row: 3, price_cents: 35_000 }],
      ga: [{ capacity: 2000, price_cents: 5000 }],
    });
    const res = await request(app).get(`/api/v1/events/${event.id}/seats`);
    expect(res.status).toBe(200);
    const map = res.body;
    expect(Object.keys(map).sort()).toEqual(['event_id', 'last_updated', 'sections', 'total_available']);
    expect(map.event_id).toBe(event.id);
    expect(Math.abs(Date.parse(map.last_updated) - Date.now())).toBeLessThan(5000);
    expect(map.total_available).toBe(28 * 3 + 2000);
    const [seated, ga] = map.sections;
    expect(ga).toEqual({ section_id: gaSectionIds[0], name: 'GA 1', kind: 'GA', price_cents: 5000, next_price_change_at: null, capacity: 2000, available_count: 2000 });
    expect(Object.keys(seated).sort()).toEqual(['available_count', 'kind', 'name', 'next_price_change_at', 'price_cents', 'seats', 'section_id']);
    expect(seated).toMatchObject({ section_id: seatedSectionIds[0], kind: 'SEATED', price_cents: 35_000, available_count: 84 });
    expect(seated.seats[0]).toEqual({ seat_id: seatIds[0], row: 'A', number: 1, status: 'AVAILABLE' });
    expect(seated.seats.map((s: { seat_id: string }) => s.seat_id)).toEqual(seatIds);
    const rows = [...new Set(seated.seats.map((s: { row: string }) => s.row))];
    expect(rows.slice(24)).toEqual(['Y', 'Z', 'AA', 'AB']);
  });

  test('statuses: a live hold is HELD, a lapsed hold AVAILABLE, a sale SOLD; GA lapsed holds are available again', async () => {
    const { event, seatIds, gaSectionIds } = await seedEvent(pool, { seated: [{ rows: 1, seats_per_row: 5 }], ga: [{ capacity: 50 }] });
    const [live, lapsed, sold] = seatIds;
    await holdSeat(event.id, live!, minutesFromNow(10));
    await holdSeat(event.id, lapsed!, minutesFromNow(-1));
    await sellSeat(event.id, sold!);
    await holdGa(event.id, gaSectionIds[0]!, 7, minutesFromNow(10));
    await holdGa(event.id, gaSectionIds[0]!, 4, minutesFromNow(-1));
    await pool.query('UPDATE ga_inventory SET sold = 3 WHERE event_id = $1', [event.id]);
    await bumpVersion(event.id);

    const map = (await request(app).get(`/api/v1/events/${event.id}/seats`)).body;
    const seated = map.sections[0];
    expect(seated.seats.map((s: { status: string }) => s.status)).toEqual(['HELD', 'AVAILABLE', 'SOLD', 'AVAILABLE', 'AVAILABLE']);
    expect(seated.available_count).toBe(3);
    expect(map.sections[1].available_count).toBe(50 - 7 - 3);
    expect(map.total_available).toBe(3 + 40);

    const detail = (await request(app).get(`/api/v1/events/${event.id}`)).body;
    expect(detail.sections.map((s: object) => ({ ...s, section_id: undefined, name: undefined, price_cents: undefined }))).toEqual([
      { kind: 'SEATED', ...FIXED_PRICE, total: 5, available: 3, held: 1, sold: 1 },
      { kind: 'GA', ...FIXED_PRICE, total: 50, available: 40, held: 7, sold: 3 },
    ]);
    expect(detail.total_available).toBe(43);
  });

  test('filters by section and status; GA sections stay listed under a status filter', async () => {
    const { event, seatIds, seatedSectionIds, gaSectionIds } = await seedEvent(pool, {
      seated: [{ rows: 2, seats_per_row: 2 }, { rows: 1, seats_per_row: 3 }],
      ga: [{ capacity: 10 }],
    });
    await holdSeat(event.id, seatIds[1]!, minutesFromNow(10));
    await holdSeat(event.id, seatIds[5]!, minutesFromNow(10));
    await bumpVersion(event.id);

    const held = (await request(app).get(`/api/v1/events/${event.id}/seats?status=HELD`)).body;
    expect(held.sections.flatMap((s: { seats?: Array<{ seat_id: string }> }) => (s.seats ?? []).map((x) => x.seat_id))).toEqual([seatIds[1], seatIds[5]]);
    expect(held.sections.map((s: { section_id: string }) => s.section_id)).toEqual([...seatedSectionIds, ...gaSectionIds]);

    const second = (await request(app).get(`/api/v1/events/${event.id}/seats`).query({ section_id: seatedSectionIds[1], status: 'AVAILABLE' })).body;
    expect(second.sections).toHaveLength(1);
    expect(second.sections[0].seats.map((s: { seat_id: string }) => s.seat_id)).toEqual([seatIds[4], seatIds[6]]);
    expect(second.sections[0].available_count).toBe(2);
    expect(second.total_available).toBe(2);

    const gaOnly = (await request(app).get(`/api/v1/events/${event.id}/seats`).query({ section_id: gaSectionIds[0] })).body;
    expect(gaOnly.sections).toEqual([expect.objectContaining({ kind: 'GA', capacity: 10, available_count: 10 })]);
    expect(gaOnly.total_available).toBe(10);

    const unknown = (await request(app).get(`/api/v1/events/${event.id}/seats`).query({ section_id: randomUUID() })).body;
    expect(unknown).toMatchObject({ sections: [], total_available: 0 });
  });

  test.each([['section_id=floor'], ['status=LAPSED'], ['status=available']])('%s is 400 VALIDATION_ERROR', async (query) => {
    const { event } = await seedEvent(pool);
    expectValidationError(await request(app).get(`/api/v1/events/${event.id}/seats?${query}`));
  });

  test('a cached map moves on with the inventory version, and a lapsing hold shows within about a second', async () => {
    const { event, seatIds } = await seedEvent(pool, { seated: [{ rows: 1, seats_per_row: 2 }] });
    const statuses = async (): Promise<string[]> =>
      (await request(app).get(`/api/v1/events/${event.id}/seats`)).body.sections[0].seats.map((s: { status: string }) => s.status);
    expect(await statuses()).toEqual(['AVAILABLE', 'AVAILABLE']);
    await holdSeat(event.id, seatIds[0]!, new Date(Date.now() + 1500));
    await bumpVersion(event.id);
    expect(await statuses()).toEqual(['HELD', 'AVAILABLE']);
    // No version change: only time passes, and the 1 s cache entry must not outlive the hold by much.
    await new Promise((resolve) => setTimeout(resolve, 2700));
    expect(await statuses()).toEqual(['AVAILABLE', 'AVAILABLE']);
  });

  test('a 2,000-seat map is the same whether it comes from the cache or from PostgreSQL, and the cache spares PostgreSQL', async () => {
    // Its latency is measured by `npm run bench`, not asserted here: shared machines are noisy.
    const { event } = await seedEvent(pool, { seated: [{ rows: 40, seats_per_row: 50 }] });
    await bumpVersion(event.id);
    // Two API processes (each keeps its own copy too) sharing one Redis: the second reads what the first cached.
    const first = countingPool();
    const second = countingPool();
    const fromDatabase = await request(buildApp(depsWith({ pool: first.pool }))).get(`/api/v1/events/${event.id}/seats`);
    const fromCache = await request(buildApp(depsWith({ pool: second.pool }))).get(`/api/v1/events/${event.id}/seats`);
    expect(fromDatabase.status).toBe(200);
    expect(fromDatabase.body.total_available).toBe(2000);
    expect(first.queries()).toBeGreaterThan(0);
    // The cache served it: the second process's PostgreSQL query counter did not move.
    expect(second.queries()).toBe(0);
    expect(fromCache.body).toEqual(fromDatabase.body);
  });

  test('Redis failing or hanging does not fail the seat map: PostgreSQL answers while Redis has still not', async () => {
    const { event } = await seedEvent(pool, { seated: [{ rows: 1, seats_per_row: 4 }] });
    let calls = 0;
    const failing = { get: () => (calls++, Promise.reject(new Error('Connection is closed.'))), set: () => Promise.reject(new Error('Connection is closed.')) };
    // Answers only after 20 s (200 times the cache's timeout), and then with an error: were that timeout
    // not applied, the map would wait for this answer, and answeredByRedis would say so.
    let letGo = (): void => undefined;
    const stalled = new Promise<never>((_resolve, reject) => {
      const late = setTimeout(() => reject(new Error('Command timed out')), 20_000);
      letGo = () => {
        clearTimeout(late);
        reject(new Error('Connection is closed.'));
      };
    });
    stalled.catch(() => undefined);
    let answeredByRedis = false;
    const hanging = {
      get: () => {
        calls++;
        return stalled.finally(() => {
          answeredByRedis = true;
        });
      },
      set: () => stalled,
    };
    try {
      for (const broken of [failing, hanging]) {
        calls = 0;
        const res = await request(buildApp(depsWith({ redis: broken as unknown as Redis }))).get(`/api/v1/events/${event.id}/seats`);
        expect(res.status).toBe(200);
        expect(res.body.total_available).toBe(4);
        expect(calls).toBeGreaterThan(0);
        expect(answeredByRedis).toBe(false);
      }
    } finally {
      letGo();
    }
  });
});

describe('admin stats', () => {
  test('counts per section (lapsed holds apart) and reservations by status, every status present', async () => {
    const { event, seatIds, gaSectionIds, seatedSectionIds } = await seedEvent(pool, { seated: [{ rows: 1, seats_per_row: 4 }], ga: [{ capacity: 20 }] });
    await holdSeat(event.id, seatIds[0]!, minutesFromNow(10));
    await holdSeat(event.id, seatIds[1]!, minutesFromNow(-1));
    await sellSeat(event.id, seatIds[2]!);
    await holdGa(event.id, gaSectionIds[0]!, 5, minutesFromNow(10));
    await holdGa(event.id, gaSectionIds[0]!, 2, minutesFromNow(-1));
    await insertReservation(event.id, 'EXPIRED');

    const res = await asAdmin(request(app).get(`/api/v1/admin/events/${event.id}/stats`));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      event_id: event.id,
      sections: [
        { section_id: seatedSectionIds[0], name: 'Seated 1', kind: 'SEATED', total: 4, available: 2, held: 1, sold: 1, lapsed_holds: 1 },
        { section_id: gaSectionIds[0], name: 'GA 1', kind: 'GA', total: 20, available: 15, held: 5, sold: 0, lapsed_holds: 2 },
      ],
      totals: { total: 24, available: 17, held: 6, sold: 1 },
      reservations_by_status: { HELD: 4, PAYMENT_PENDING: 0, CONFIRMED: 1, EXPIRED: 1, CANCELLED: 0, REFUNDED: 0 },
    });
  });

  test('stats are admin-only and 404 EVENT_NOT_FOUND for unknown or malformed ids', async () => {
    const { event } = await seedEvent(pool);
    expect((await request(app).get(`/api/v1/admin/events/${event.id}/stats`)).status).toBe(401);
    expect((await asUser(request(app).get(`/api/v1/admin/events/${event.id}/stats`))).status).toBe(403);
    for (const id of [randomUUID(), 'bogus']) {
      const res = await asAdmin(request(app).get(`/api/v1/admin/events/${id}/stats`));
      expect(res.status).toBe(404);
      expect(res.body.error).toBe('EVENT_NOT_FOUND');
    }
  });
});

test('no request above ended in a 500', () => {
  expect(serverErrors).toEqual([]);
});
