import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createApp } from '../../src/api/app';
import { createMetrics } from '../../src/api/metrics';
import { startServer, type RunningServer } from '../../src/api/server';
import { createPool } from '../../src/db/pool';
import { startE2eStack, type E2eStack } from '../support/e2e-stack';
import { testConfig } from '../support/env';
import { httpClient, type HttpClient } from '../support/http';
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

  test('/metrics reports request durations and the hold, release and sale counters', async () => {
    const admin = await adminToken(api, stack.server.deps.pool);
    const event = await createEventViaApi(api, admin, { gaCapacity: 5 });
    const buyer = await registerBuyer(api);
    const held = await api.post('/api/v1/reservations', { event_id: event.eventId, ga: [{ section_id: event.gaSectionId, quantity: 2 }] }, { token: buyer.token });
    await api.delete(`/api/v1/reservations/${held.body.reservation_id}`, { token: buyer.token });
    const res = await api.get('/metrics');
    expect(res.status).toBe(200);
    const text = String(res.body);
    expect(text).toMatch(/http_request_duration_seconds_bucket\{.*route="\/api\/v1\/reservations\/".*\}/);
    for (const counter of ['inventory_holds_total', 'inventory_releases_total', 'inventory_sales_total']) {
      expect(text).toMatch(new RegExp(`^${counter} \\d+$`, 'm'));
    }
    expect(Number(/^inventory_holds_total (\d+)$/m.exec(text)?.[1])).toBeGreaterThanOrEqual(2);
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
    const res = await client.post('/api/v1/auth/login', { email: 'someone@example.com', password: 'whatever-password' });
    const me = await client.get('/api/v1/auth/me', { token: 'a'.repeat(43) });
    expect(me.status).toBe(503);
    expect(me.body.error).toBe('UNAVAILABLE');
    expect([401, 503]).toContain(res.status);
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
    const deadPool = createPool({ ...stack.config, DATABASE_URL: 'postgres://tickets:tickets@127.0.0.1:1/tickets_test' });
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
