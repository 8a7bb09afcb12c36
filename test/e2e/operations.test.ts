import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createApp } from '../../src/api/app';
import { createMetrics } from '../../src/api/metrics';
import { startServer, type RunningServer } from '../../src/api/server';
import { createPool } from '../../src/db/pool';
import { startE2eStack, type E2eStack } from '../support/e2e-stack';
import { testConfig } from '../support/env';
import { httpClient, type HttpClient } from '../support/http';
import { buyThroughApi } from '../support/purchases';
import { adminToken, createEventViaApi, registerBuyer } from '../support/scenario';

let stack: E2eStack;
let api: HttpClient;

beforeAll(async () => {
  stack = await startE2eStack();
  api = httpClient(stack.url);
});
afterAll(async () => {
  await stack?.stop();
});

type Counters = Record<'holds' | 'releases' | 'sales', number>;

/** The inventory counters as /metrics reports them. */
async function inventoryCounters(): Promise<Counters> {
  const text = String((await api.get('/metrics')).body);
  const read = (name: string): number => {
    const value = new RegExp(`^inventory_${name}_total (\\d+)$`, 'm').exec(text)?.[1];
    if (value === undefined) throw new Error(`/metrics has no inventory_${name}_total`);
    return Number(value);
  };
  return { holds: read('holds'), releases: read('releases'), sales: read('sales') };
}

/**
 * The counters' movement since `before`, once it has reached `expected` (a release is counted by the
 * worker after it answers): a count that never comes, or one counted twice, shows in the result.
 */
async function settledDelta(before: Counters, expected: Counters): Promise<Counters> {
  const until = Date.now() + 15_000;
  for (;;) {
    const now = await inventoryCounters();
    const delta = { holds: now.holds - before.holds, releases: now.releases - before.releases, sales: now.sales - before.sales };
    const reached = (Object.keys(expected) as Array<keyof Counters>).every((k) => delta[k] >= expected[k]);
    if (reached || Date.now() > until) return delta;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('operating the API', () => {
  test('/health checks PostgreSQL, Redis and Temporal', async () => {
    const res = await api.get('/health');
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('ok');
    expect(res.body.checks.map((c: { name: string }) => c.name).sort()).toEqual(['postgresql', 'redis', 'temporal']);
    for (const check of res.body.checks) expect(check).toMatchObject({ status: 'ok', latency_ms: expect.any(Number) });
  });

  test('every response carries X-Request-Id, echoing the client one', async () => {
    const mine = await api.get('/health', { headers: { 'x-request-id': 'trace-abc-123' } });
    expect(mine.headers.get('x-request-id')).toBe('trace-abc-123');
    const made = await api.get('/nowhere');
    expect(made.status).toBe(404);
    expect(made.body.error).toBe('NOT_FOUND');
    expect(made.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  test('/metrics reports request durations, and one hold, one release and one sale move the hold, release and sale counters by exactly that', async () => {
    const admin = await adminToken(api, stack.server.deps.pool);
    const event = await createEventViaApi(api, admin, { gaCapacity: 5 });
    const buyer = await registerBuyer(api);
    // The counters are shared by every worker (a Redis hash no test flushes): what this scenario proves is their movement.
    const before = await inventoryCounters();
    const released = await api.post('/api/v1/reservations', { event_id: event.eventId, ga: [{ section_id: event.gaSectionId, quantity: 2 }] }, { token: buyer.token });
    expect(released.status).toBe(201);
    expect((await api.delete(`/api/v1/reservations/${released.body.reservation_id}`, { token: buyer.token })).status).toBe(200);
    await buyThroughApi(api, buyer, event, { ga: [{ section_id: event.gaSectionId!, quantity: 1 }] });
    // Places, not requests: 2 held and released, then 1 held and sold.
    const expected = { holds: 3, releases: 2, sales: 1 };
    const delta = await settledDelta(before, expected);
    expect(delta).toEqual(expected);

    const text = String((await api.get('/metrics')).body);
    expect(text).toMatch(/http_request_duration_seconds_bucket\{.*route="\/api\/v1\/reservations\/".*\}/);
  });

  test('/openapi.json documents every route of the contract with its schemas', async () => {
    const res = await api.get('/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body.openapi).toMatch(/^3\./);
    for (const path of [
      '/api/v1/auth/register', '/api/v1/auth/login', '/api/v1/auth/logout', '/api/v1/auth/me',
      '/api/v1/venues', '/api/v1/venues/{id}', '/api/v1/events', '/api/v1/events/{id}', '/api/v1/events/{id}/seats',
      '/api/v1/reservations', '/api/v1/reservations/{id}', '/api/v1/reservations/{id}/confirm', '/api/v1/reservations/{id}/extend',
      '/api/v1/payments/webhook', '/api/v1/admin/events/{id}/stats', '/health', '/metrics',
    ]) {
      expect(Object.keys(res.body.paths)).toContain(path);
    }
    expect(res.body.components.schemas.CreateReservationRequest).toBeDefined();
  });

  test('the admin stats of an event count held and sold per section and reservations by status', async () => {
    const admin = await adminToken(api, stack.server.deps.pool);
    const event = await createEventViaApi(api, admin, { rows: 1, seatsPerRow: 4 });
    const buyer = await registerBuyer(api);
    await api.post('/api/v1/reservations', { event_id: event.eventId, seat_ids: event.seatIds.slice(0, 2) }, { token: buyer.token });
    const stats = await api.get(`/api/v1/admin/events/${event.eventId}/stats`, { token: admin });
    expect(stats.status).toBe(200);
    expect(stats.body.totals).toMatchObject({ total: 4, available: 2, held: 2, sold: 0 });
    expect(stats.body.reservations_by_status.HELD).toBe(1);
    expect((await api.get(`/api/v1/admin/events/${event.eventId}/stats`, { token: buyer.token })).status).toBe(403);
  });
});

describe('when a dependency is down', () => {
  let broken: RunningServer | undefined;
  afterEach(async () => {
    await broken?.stop();
    broken = undefined;
  });

  test('with Redis unreachable, requests answer 503 UNAVAILABLE and /health says which', async () => {
    broken = await startServer({ config: testConfig({ REDIS_URL: 'redis://127.0.0.1:1' }), port: 0, log: () => undefined });
    const client = httpClient(broken.url);
    const buyer = await registerBuyer(api);
    // A wrong password is not told 401: the login budget (a brute-force guard) lives in Redis and fails
    // closed. The right password is refused too: no session can be made.
    const guessed = await client.post('/api/v1/auth/login', { email: buyer.email, password: 'not-the-password' });
    expect([guessed.status, guessed.body.error]).toEqual([503, 'UNAVAILABLE']);
    const login = await client.post('/api/v1/auth/login', { email: buyer.email, password: 'correct-horse-battery' });
    expect([login.status, login.body.error]).toEqual([503, 'UNAVAILABLE']);
    const me = await client.get('/api/v1/auth/me', { token: buyer.token });
    expect([me.status, me.body.error]).toEqual([503, 'UNAVAILABLE']);
    const health = await client.get('/health');
    expect(health.status).toBe(503);
    expect(health.body.checks.find((c: { name: string }) => c.name === 'redis').status).toBe('down');
  });

  test('with Temporal unreachable, a hold answers 503 and nothing is held', async () => {
    const admin = await adminToken(api, stack.server.deps.pool);
    const event = await createEventViaApi(api, admin, { rows: 1, seatsPerRow: 2 });
    const buyer = await registerBuyer(api);
    broken = await startServer({ config: testConfig({ TEMPORAL_ADDRESS: '127.0.0.1:1' }), port: 0, log: () => undefined });
    const client = httpClient(broken.url);
    const res = await client.post('/api/v1/reservations', { event_id: event.eventId, seat_ids: [event.seatIds[0]] }, { token: buyer.token });
    expect(res.status).toBe(503);
    expect(res.body.error).toBe('UNAVAILABLE');
    const { rows } = await stack.server.deps.pool.query(`SELECT status FROM seats WHERE id = $1`, [event.seatIds[0]]);
    expect(rows[0].status).toBe('AVAILABLE');
    expect((await client.get('/health')).status).toBe(503);
  });

  test('with PostgreSQL unreachable, a hold answers 503 UNAVAILABLE and /health names the database', async () => {
    const admin = await adminToken(api, stack.server.deps.pool);
    const event = await createEventViaApi(api, admin, { rows: 1, seatsPerRow: 2 });
    const buyer = await registerBuyer(api);
    // The same Redis (so the buyer's session is valid) and Temporal, but no database behind the pool.
    const deadPool = createPool({ ...stack.config, DATABASE_URL: 'postgres://tickets:nothing-listens-on-port-1@127.0.0.1:1/tickets_test' });
    const app = createApp({ ...stack.server.deps, pool: deadPool, metrics: createMetrics() }, () => undefined);
    const server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, () => resolve(s));
    });
    try {
      const client = httpClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
      const res = await client.post('/api/v1/reservations', { event_id: event.eventId, seat_ids: [event.seatIds[0]] }, { token: buyer.token });
      expect(res.status).toBe(503);
      expect(res.body.error).toBe('UNAVAILABLE');
      expect(res.headers.get('retry-after')).toBe('1');
      const health = await client.get('/health');
      expect(health.status).toBe(503);
      expect(health.body.checks.find((c: { name: string }) => c.name === 'postgresql').status).toBe('down');
      const { rows } = await stack.server.deps.pool.query('SELECT status FROM seats WHERE id = $1', [event.seatIds[0]]);
      expect(rows[0].status).toBe('AVAILABLE');
    } finally {
      await new Promise((resolve) => server.close(resolve));
      await deadPool.end();
    }
  });
});
