import { createEventFactsCache } from '../../src/events/event-facts';
import { randomUUID } from 'node:crypto';
import { ServiceError } from '@temporalio/client';
import express, { type Express } from 'express';
import type { Redis } from 'ioredis';
import type { Pool } from 'pg';
import request from 'supertest';
import { createApp } from '../../src/api/app';
import type { ApiDeps } from '../../src/api/deps';
import { createMetrics } from '../../src/api/metrics';
import { errorHandler } from '../../src/api/middleware/error-handler';
import { createRateLimits } from '../../src/shared/rate-limits';
import { createSession } from '../../src/users/sessions';
import { loadConfig } from '../../src/config';
import { migrate } from '../../src/db/migrate';
import { createPool } from '../../src/db/pool';
import { createRedis } from '../../src/shared/clients';
import { TEST_SECRETS, UNLIMITED_RATES, testDatabaseUrl, testTicketKeys } from '../support/env';
import { createUser } from '../support/fixtures';

const config = loadConfig({
  ...process.env,
  ...UNLIMITED_RATES,
  ...TEST_SECRETS,
  DATABASE_URL: testDatabaseUrl(),
  REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/1',
});

let pool: Pool;
let redis: Redis;
let app: Express;
let adminToken: string;
let doc: OpenApiDocument;
const serverErrors: string[] = [];

/** The whole app as it is served; Temporal is never reached by these scenarios. */
function buildApp(overrides: Partial<ApiDeps> = {}): Express {
  const deps: ApiDeps = { config, pool, redis, temporal: undefined as never, metrics: createMetrics(), ticketKeys: testTicketKeys(), rateLimits: createRateLimits(redis, config), eventFacts: createEventFactsCache({ ttlMs: 1000, maxEvents: 100 }), ...overrides };
  return createApp(deps, (line) => serverErrors.push(line));
}

beforeAll(async () => {
  pool = createPool(config);
  redis = createRedis(config);
  await migrate(pool);
  app = buildApp();
  adminToken = await createSession(redis, await createUser(pool, { role: 'admin' }), 3600);
  doc = (await request(app).get('/openapi.json')).body as OpenApiDocument;
});

afterAll(async () => {
  await pool.end();
  redis.disconnect();
});

afterEach(() => {
  // A scenario that answers with a contract code must not have gone through the 500 path.
  const logged = serverErrors.splice(0);
  expect(logged).toEqual([]);
});

const asAdmin = (req: request.Test): request.Test => req.set('Authorization', `Bearer ${adminToken}`);
const tag = (): string => randomUUID().slice(0, 8);

async function createVenue(sections: unknown[] = [{ name: 'Lawn', kind: 'GA', capacity: 10 }]): Promise<{ id: string; sections: Array<{ id: string }> }> {
  const res = await asAdmin(request(app).post('/api/v1/venues')).send({ name: `Venue ${tag()}`, city: 'Porto', sections });
  expect(res.status).toBe(201);
  return res.body;
}

// ---------------------------------------------------------------------------------------------------
// The OpenAPI document, as far as these scenarios read it
// ---------------------------------------------------------------------------------------------------

interface Schema {
  $ref?: string;
  type?: string;
  format?: string;
  pattern?: string;
  description?: string;
  minimum?: number;
  maximum?: number;
  maxLength?: number;
  uniqueItems?: boolean;
  nullable?: boolean;
  properties?: Record<string, Schema>;
  items?: Schema;
  oneOf?: Schema[];
  anyOf?: Schema[];
  allOf?: Schema[];
}
interface Link {
  operationId: string;
  parameters?: Record<string, string>;
  requestBody?: Record<string, unknown>;
}
interface Operation {
  operationId?: string;
  parameters?: Array<{ name: string; in: string; description?: string; allowEmptyValue?: boolean; schema: Schema }>;
  requestBody?: { required?: boolean; content: Record<string, { schema: Schema }> };
  responses: Record<string, { description: string; links?: Record<string, Link>; content?: Record<string, { schema: Schema }> }>;
}
interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
}

function operations(): Array<{ method: string; path: string; op: Operation }> {
  return Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ method, path, op })));
}

function operation(method: string, path: string): Operation {
  const op = doc.paths[path]?.[method];
  if (!op) throw new Error(`${method} ${path} is not in the document`);
  return op;
}

function resolve(schema: Schema): Schema {
  return schema.$ref ? resolve(doc.components.schemas[schema.$ref.replace('#/components/schemas/', '')]!) : schema;
}

function bodySchema(method: string, path: string): Schema {
  return resolve(operation(method, path).requestBody!.content['application/json']!.schema);
}

function queryParam(method: string, path: string, name: string): Schema & { paramDescription?: string } {
  const param = operation(method, path).parameters?.find((p) => p.name === name && p.in === 'query');
  if (!param) throw new Error(`no query parameter ${name}`);
  return { ...param.schema, paramDescription: param.description };
}

/** Every schema reachable from `schema`, with the path to it. */
function* walk(schema: Schema, at: string, seen = new Set<Schema>()): Generator<[string, Schema]> {
  const s = resolve(schema);
  if (seen.has(s)) return;
  seen.add(s);
  yield [at, s];
  for (const [name, prop] of Object.entries(s.properties ?? {})) yield* walk(prop, `${at}.${name}`, seen);
  if (s.items) yield* walk(s.items, `${at}[]`, seen);
  for (const sub of [...(s.oneOf ?? []), ...(s.anyOf ?? []), ...(s.allOf ?? [])]) yield* walk(sub, at, seen);
}

// ---------------------------------------------------------------------------------------------------
// 1. Unsupported methods
// ---------------------------------------------------------------------------------------------------

describe('methods a path does not support', () => {
  test('when a client calls a known path with an unsupported method, it gets 405 with Allow listing the methods that path supports', async () => {
    const cases: Array<[string, string, string]> = [
      ['put', '/api/v1/events', 'GET, HEAD, POST'],
      ['delete', `/api/v1/venues/${randomUUID()}`, 'GET, HEAD'],
      ['patch', `/api/v1/reservations/${randomUUID()}`, 'GET, HEAD, DELETE'],
      ['get', `/api/v1/reservations/${randomUUID()}/confirm`, 'POST'],
      ['post', '/api/v1/auth/me', 'GET, HEAD'],
    ];
    for (const [method, path, allow] of cases) {
      const res = await request(app)[method as 'get'](path);
      expect({ method, path, status: res.status, allow: res.headers.allow }).toEqual({ method, path, status: 405, allow });
      expect(res.body).toMatchObject({ error: 'METHOD_NOT_ALLOWED', message: expect.any(String) });
      expect(res.headers['x-request-id']).toEqual(expect.any(String));
    }
  });

  test('the 405 comes before authentication: a method nobody may use is refused the same with or without a token', async () => {
    const anonymous = await request(app).put(`/api/v1/admin/events/${randomUUID()}/stats`);
    const admin = await asAdmin(request(app).put(`/api/v1/admin/events/${randomUUID()}/stats`));
    for (const res of [anonymous, admin]) {
      expect(res.status).toBe(405);
      expect(res.headers.allow).toBe('GET, HEAD');
    }
  });

  test('routes registered outside defineRoute are in the method table too: /openapi.json, the webhook pre-check, /health and /metrics', async () => {
    const cases: Array<[string, string, string]> = [
      ['post', '/openapi.json', 'GET, HEAD'],
      ['get', '/api/v1/payments/webhook', 'POST'],
      ['delete', '/health', 'GET, HEAD'],
      ['put', '/metrics', 'GET, HEAD'],
    ];
    for (const [method, path, allow] of cases) {
      const res = await request(app)[method as 'get'](path);
      expect({ path, status: res.status, allow: res.headers.allow, error: res.body.error }).toEqual({ path, status: 405, allow, error: 'METHOD_NOT_ALLOWED' });
    }
  });

  test('every documented path answers a method it lacks with 405 and an Allow that is exactly its documented methods', async () => {
    for (const [path, ops] of Object.entries(doc.paths)) {
      const documented = Object.keys(ops).map((m) => m.toUpperCase());
      const expected = new Set([...documented, ...(documented.includes('GET') ? ['HEAD'] : [])]);
      const url = path.replace(/\{[^}]+\}/g, randomUUID());
      const missing = ['patch', 'put', 'delete', 'post'].find((m) => !documented.includes(m.toUpperCase())) as 'patch';
      const res = await request(app)[missing](url);
      expect({ path, status: res.status }).toEqual({ path, status: 405 });
      expect(new Set(String(res.headers.allow).split(', '))).toEqual(expected);
    }
  });

  test('an unknown path stays 404 NOT_FOUND, whatever the method', async () => {
    for (const [method, path] of [['get', '/api/v1/nowhere'], ['put', '/api/v1/nowhere'], ['get', `/api/v1/events/${randomUUID()}/seats/extra`]] as const) {
      const res = await request(app)[method](path);
      expect(res.status).toBe(404);
      expect(res.body.error).toBe('NOT_FOUND');
      expect(res.headers.allow).toBeUndefined();
    }
  });

  test('HEAD on a GET route answers as GET does, without a body; HEAD on a POST-only path is 405', async () => {
    const head = await request(app).head('/api/v1/events');
    expect(head.status).toBe(200);
    expect(head.headers['content-type']).toMatch(/application\/json/);
    expect(head.text).toBeUndefined();
    const refused = await request(app).head('/api/v1/auth/login');
    expect(refused.status).toBe(405);
    expect(refused.headers.allow).toBe('POST');
  });

  test('OPTIONS on a known path tells which methods it allows', async () => {
    const res = await request(app).options('/openapi.json');
    expect(res.status).toBe(204);
    expect(res.headers.allow).toBe('GET, HEAD');
  });

  test('OPTIONS on the door’s POST /tickets/validate allows POST only, not the GET of /tickets/{id} whose pattern the path also matches', async () => {
    const res = await request(app).options('/api/v1/tickets/validate');
    expect([res.status, res.headers.allow]).toEqual([204, 'POST']);
  });

  test('OPTIONS on every documented path answers 204 with exactly its documented methods', async () => {
    for (const [path, ops] of Object.entries(doc.paths)) {
      const documented = Object.keys(ops).map((m) => m.toUpperCase());
      const expected = new Set([...documented, ...(documented.includes('GET') ? ['HEAD'] : [])]);
      const res = await request(app).options(path.replace(/\{[^}]+\}/g, randomUUID()));
      expect({ path, status: res.status }).toEqual({ path, status: 204 });
      expect({ path, allow: new Set(String(res.headers.allow).split(', ')) }).toEqual({ path, allow: expected });
    }
  });
});

// ---------------------------------------------------------------------------------------------------
// 2. Security headers
// ---------------------------------------------------------------------------------------------------

describe('security headers', () => {
  test('every answer carries helmet security headers, and a CSP that lets nothing load, run or frame it', async () => {
    for (const res of [
      await request(app).get('/api/v1/events'),
      await request(app).get('/openapi.json'),
      await request(app).get('/api/v1/nowhere'),
      await request(app).put('/api/v1/events'),
    ]) {
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
      expect(res.headers['referrer-policy']).toBe('no-referrer');
      expect(res.headers['strict-transport-security']).toMatch(/max-age=\d+/);
      expect(res.headers['cross-origin-resource-policy']).toBe('same-origin');
      const csp = String(res.headers['content-security-policy']).split(';').map((d) => d.trim());
      expect(csp).toEqual(expect.arrayContaining(["default-src 'none'", "frame-ancestors 'none'"]));
      expect(res.headers['x-powered-by']).toBeUndefined();
      // Still a JSON API.
      expect(res.headers['content-type']).toMatch(/^application\/json/);
    }
  });
});

// ---------------------------------------------------------------------------------------------------
// 3. The document and the validator agree
// ---------------------------------------------------------------------------------------------------

describe('what the document allows, the validator accepts', () => {
  test('when someone registers with =@f9.dev, a valid email address by the document, the account is created', async () => {
    await pool.query(`DELETE FROM users WHERE lower(email) = '=@f9.dev'`);
    const res = await request(app).post('/api/v1/auth/register').send({ email: '=@f9.dev', password: 'correct-horse', name: 'Equals' });
    expect(res.status).toBe(201);
    expect(res.body.user.email).toBe('=@f9.dev');
  });

  test('the register email is documented as format email plus the one pattern the validator runs, and both agree on every sample', async () => {
    const email = resolve(bodySchema('post', '/api/v1/auth/register').properties!.email!);
    expect(email.format).toBe('email');
    const pattern = new RegExp(email.pattern!);
    const samples = [
      `=@${tag()}.f9.dev`, `o'neil+tickets@${tag()}.example.ie`, `x@${tag()}-b.c`, `{a}|~@${tag()}.dev`,
      '"quoted local"@example.com', 'a@[127.0.0.1]', 'no-at-sign', 'a@-leading-hyphen.com', 'a@b..com', 'two@@example.com',
      '.leading-dot@example.com', 'double..dot@example.com', `${'x'.repeat(65)}@example.com`,
    ];
    for (const sample of samples) {
      const res = await request(app).post('/api/v1/auth/register').send({ email: sample, password: 'correct-horse', name: 'Sample' });
      // 409 would also mean the validator let it through; these addresses are fresh, so 201 is expected.
      expect({ sample, accepted: res.status !== 400 }).toEqual({ sample, accepted: pattern.test(sample) });
    }
  });

  test('date-times: a value matching the documented pattern of starts_at is accepted, one that does not is refused', async () => {
    const venue = await createVenue();
    const starts = bodySchema('post', '/api/v1/events').properties!.starts_at!;
    expect(starts.format).toBe('date-time');
    const pattern = new RegExp(starts.pattern!);
    const samples = [
      '2030-01-10T19:30:00Z', '2032-02-29T00:00:00+02:00', '2030-01-10t19:30:00.123456z', '2030-01-10T19:30:00-00:00',
      '2031-02-29T00:00:00Z', '2030-01-10T19:30Z', '2030-01-10 19:30:00Z', '2030-12-31T23:59:60Z', '2030-01-10T19:30:00',
    ];
    for (const sample of samples) {
      const res = await asAdmin(request(app).post('/api/v1/events')).send({
        name: `Show ${tag()}`, venue_id: venue.id, starts_at: sample, on_sale_at: '2020-01-01T00:00:00Z',
        prices: [{ section_id: venue.sections[0]!.id, price_cents: 100 }],
      });
      expect({ sample, accepted: res.status === 201 }).toEqual({ sample, accepted: pattern.test(sample) });
      if (res.status === 201) expect(Date.parse(res.body.starts_at)).toBe(Date.parse(sample.toUpperCase()));
    }
  });

  test('the events list documents from/to as a date or a date-time, and accepts what it documents; empty means not given', async () => {
    for (const name of ['from', 'to']) {
      expect(operation('get', '/api/v1/events').parameters!.find((p) => p.name === name)).toMatchObject({ allowEmptyValue: true });
      expect((await request(app).get(`/api/v1/events?${name}=`)).status).toBe(200);
      const pattern = new RegExp(queryParam('get', '/api/v1/events', name).pattern!);
      for (const sample of ['2030-01-10', '2030-01-10T00:00:00Z', '2030-01-10t00:00:00+01:00', 'yesterday', '2030-02-30', '2030-01-10T00:00']) {
        const res = await request(app).get('/api/v1/events').query({ [name]: sample });
        expect({ name, sample, accepted: res.status === 200 }).toEqual({ name, sample, accepted: pattern.test(sample) });
      }
    }
  });

  test('names: a blank name is refused by the documented pattern as by the validator; blanks around a name are dropped', async () => {
    const name = resolve(bodySchema('post', '/api/v1/venues').properties!.name!);
    const pattern = new RegExp(name.pattern!);
    for (const blank of ['   ', '\t\n', '\u00a0\u3000\ufeff']) {
      expect(pattern.test(blank)).toBe(false);
      const res = await asAdmin(request(app).post('/api/v1/venues')).send({ name: blank, city: 'Porto', sections: [{ name: 'L', kind: 'GA', capacity: 1 }] });
      expect(res.status).toBe(400);
    }
    const padded = `  Hall ${tag()}  `;
    expect(pattern.test(padded)).toBe(true);
    const res = await asAdmin(request(app).post('/api/v1/venues')).send({ name: padded, city: 'Porto', sections: [{ name: 'L', kind: 'GA', capacity: 1 }] });
    expect(res.status).toBe(201);
    expect(res.body.name).toBe(padded.trim());
  });

  test('lengths count characters as the document does: a 200-emoji venue name (200 characters, 400 UTF-16 units) is accepted', async () => {
    const name = resolve(bodySchema('post', '/api/v1/venues').properties!.name!);
    expect(name.maxLength).toBe(200);
    const emoji = '\u{1F3AB}'.repeat(200);
    const ok = await asAdmin(request(app).post('/api/v1/venues')).send({ name: emoji, city: 'Porto', sections: [{ name: 'L', kind: 'GA', capacity: 1 }] });
    expect(ok.status).toBe(201);
    const tooLong = await asAdmin(request(app).post('/api/v1/venues')).send({ name: `${emoji}x`, city: 'Porto', sections: [{ name: 'L', kind: 'GA', capacity: 1 }] });
    expect(tooLong.status).toBe(400);
  });

  test('a NUL character, which PostgreSQL text cannot hold, is refused with 400 (documented), not a 500', async () => {
    const venue = await asAdmin(request(app).post('/api/v1/venues')).send({ name: 'Null\u0000Hall', city: 'Porto', sections: [{ name: 'L', kind: 'GA', capacity: 1 }] });
    expect(venue.status).toBe(400);
    expect(venue.body.details).toEqual([{ field: 'name', message: expect.any(String) }]);
    const search = await request(app).get('/api/v1/events').query({ q: 'rock\u0000roll' });
    expect(search.status).toBe(400);
    expect(new RegExp(queryParam('get', '/api/v1/events', 'q').pattern!).test('rock\u0000roll')).toBe(false);
    const login = await request(app).post('/api/v1/auth/login').send({ email: 'a\u0000@example.com', password: 'whatever' });
    expect(login.status).toBe(400);
  });

  test('every integer of a request body or query states the minimum and maximum the validator enforces', async () => {
    const missing: string[] = [];
    for (const { method, path, op } of operations()) {
      const roots: Array<[string, Schema]> = [
        ...(op.requestBody ? [[`${method} ${path} body`, op.requestBody.content['application/json']!.schema] as [string, Schema]] : []),
        ...(op.parameters ?? []).map((p) => [`${method} ${path} ${p.in}.${p.name}`, p.schema] as [string, Schema]),
      ];
      for (const [at, root] of roots) {
        for (const [where, s] of walk(root, at)) {
          if (s.type === 'integer' && (s.minimum === undefined || s.maximum === undefined)) missing.push(where);
        }
      }
    }
    expect(missing).toEqual([]);
    const amount = resolve(bodySchema('post', '/api/v1/payments/webhook').properties!.amount_cents!);
    expect(amount).toMatchObject({ minimum: 0, maximum: 2_147_483_647 });
  });

  test('request bodies are required in the document, as they are by the validator', async () => {
    const withBody = operations().filter(({ op }) => op.requestBody);
    expect(withBody.map(({ method, path }) => `${method} ${path}`)).toEqual(expect.arrayContaining(['post /api/v1/auth/register', 'post /api/v1/reservations']));
    for (const { method, path, op } of withBody) expect({ method, path, required: op.requestBody!.required }).toEqual({ method, path, required: true });
    const empty = await request(app).post('/api/v1/auth/register');
    expect(empty.status).toBe(400);
  });

  test('cross-field rules are described in the document', async () => {
    const reservation = bodySchema('post', '/api/v1/reservations');
    expect(reservation.description).toMatch(/at least one seat or one GA ticket/i);
    expect(reservation.description).toMatch(/max_tickets_per_order/);
    expect(reservation.properties!.seat_ids).toMatchObject({ uniqueItems: true });
    expect(reservation.properties!.ga!.description).toMatch(/a section at most once/);
    const event = bodySchema('post', '/api/v1/events');
    expect(event.properties!.on_sale_at!.description).toMatch(/must not be after starts_at/);
    expect(event.description).toMatch(/on_sale_at must not be after starts_at/);
    expect(queryParam('get', '/api/v1/events', 'to').paramDescription ?? queryParam('get', '/api/v1/events', 'to').description).toMatch(/must not be before from/);
  });

  test('the X-Idempotency-Key documented pattern is the one the server checks: a key it refuses is 400, one it allows goes on', async () => {
    const header = operation('post', '/api/v1/reservations').parameters!.find((p) => p.in === 'header' && p.name === 'x-idempotency-key')!;
    expect(header.schema.pattern).toBe('^[\\x21-\\x7e]{1,200}$');
    const documented = new RegExp(header.schema.pattern!);
    const buyer = await createSession(redis, await createUser(pool), 3600);
    // Keys on both sides of every bound of the pattern (HTTP trims a value's outer blanks: spaces go
    // inside). An unknown event: a key that passes is answered
    // 404 by the next check, before anything is held (Temporal is never reached).
    const keys = ['k', '!'.repeat(200), '~'.repeat(200), 'a'.repeat(201), '', 'with space', 'tab\there', 'caf\u00e9', `${'x'.repeat(100)} ${'x'.repeat(99)}`];
    const answers = [];
    for (const key of keys) {
      const res = await request(app)
        .post('/api/v1/reservations')
        .set('Authorization', `Bearer ${buyer}`)
        .set('X-Idempotency-Key', key)
        .send({ event_id: randomUUID(), ga: [{ section_id: randomUUID(), quantity: 1 }] });
      answers.push({ key, status: res.status, field: res.body.details?.[0]?.field });
    }
    expect(answers).toEqual(keys.map((key) => (documented.test(key) ? { key, status: 404, field: undefined } : { key, status: 400, field: 'X-Idempotency-Key' })));
    // The cases above cover both answers.
    expect(answers.filter((a) => a.status === 404).length).toBeGreaterThanOrEqual(3);
    expect(answers.filter((a) => a.status === 400).length).toBeGreaterThanOrEqual(5);
  });
});

// ---------------------------------------------------------------------------------------------------
// 4. Links
// ---------------------------------------------------------------------------------------------------

/** The runtime expressions ('$response.body#/…') anywhere in a link's parameters or body. */
function expressionsIn(value: unknown): string[] {
  if (typeof value === 'string') return value.startsWith('$') ? [value] : [];
  if (value && typeof value === 'object') return Object.values(value).flatMap(expressionsIn);
  return [];
}

/** Whether a '$response.body#/a/0/b' pointer names a place the answer's schema has. */
function pointsIntoSchema(schema: Schema, expression: string): boolean {
  const pointer = /^\$response\.body#\/(.+)$/.exec(expression)?.[1];
  if (!pointer) return false;
  let at: Schema | undefined = resolve(schema);
  for (const token of pointer.split('/')) {
    at = /^\d+$/.test(token) ? at?.items : at?.properties?.[token];
    if (!at) return false;
    at = resolve(at);
  }
  return true;
}

describe('OpenAPI links walk a reservation from venue to cancellation', () => {
  test('every operation has an operationId, and no two share one', () => {
    const ids = operations().map(({ op }) => op.operationId);
    expect(ids.every((id) => typeof id === 'string' && id.length > 0)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    expect(operation('post', '/api/v1/reservations').operationId).toBe('createReservation');
    expect(operation('post', '/api/v1/reservations/{id}/confirm').operationId).toBe('confirmReservation');
  });

  test('venue → event → seat map → reservation → read, confirm, extend, cancel', () => {
    const linksOf = (method: string, path: string, status: string) =>
      Object.values(operation(method, path).responses[status]?.links ?? {}).map((l) => ({ operationId: l.operationId, parameters: l.parameters, requestBody: l.requestBody }));
    expect(linksOf('post', '/api/v1/venues', '201')).toEqual(expect.arrayContaining([
      expect.objectContaining({ operationId: 'getVenue', parameters: { id: '$response.body#/id' } }),
      expect.objectContaining({ operationId: 'createEvent', requestBody: expect.objectContaining({ venue_id: '$response.body#/id' }) }),
    ]));
    expect(linksOf('post', '/api/v1/events', '201')).toEqual(expect.arrayContaining([
      expect.objectContaining({ operationId: 'getEvent', parameters: { id: '$response.body#/id' } }),
      expect.objectContaining({ operationId: 'getEventSeats', parameters: { id: '$response.body#/id' } }),
    ]));
    expect(linksOf('get', '/api/v1/events/{id}/seats', '200')).toEqual([
      expect.objectContaining({ operationId: 'createReservation', requestBody: { event_id: '$response.body#/event_id' } }),
    ]);
    for (const status of ['201', '200']) {
      const links = linksOf('post', '/api/v1/reservations', status);
      expect(links.map((l) => l.operationId).sort()).toEqual(['cancelReservation', 'confirmReservation', 'extendReservation', 'getReservation']);
      for (const link of links) expect(link.parameters).toEqual({ id: '$response.body#/reservation_id' });
    }
  });

  test("every link names an operation that exists, only parameters and body fields it has, and values the answer's schema has", () => {
    const byId = new Map(operations().map((o) => [o.op.operationId, o]));
    let count = 0;
    for (const { method, path, op } of operations()) {
      for (const [status, response] of Object.entries(op.responses)) {
        for (const [name, link] of Object.entries(response.links ?? {})) {
          count++;
          const where = `${method} ${path} ${status} ${name}`;
          const target = byId.get(link.operationId);
          expect({ where, exists: target !== undefined }).toEqual({ where, exists: true });
          const params = new Set((target!.op.parameters ?? []).map((p) => p.name));
          for (const param of Object.keys(link.parameters ?? {})) expect({ where, param, known: params.has(param) }).toEqual({ where, param, known: true });
          const targetBody = target!.op.requestBody ? resolve(target!.op.requestBody.content['application/json']!.schema) : undefined;
          for (const field of Object.keys(link.requestBody ?? {})) {
            expect({ where, field, known: targetBody?.properties?.[field] !== undefined }).toEqual({ where, field, known: true });
          }
          const answer = resolve(response.content!['application/json']!.schema);
          for (const expression of expressionsIn([link.parameters, link.requestBody])) {
            expect({ where, expression, inAnswer: pointsIntoSchema(answer, expression) }).toEqual({ where, expression, inAnswer: true });
          }
        }
      }
    }
    expect(count).toBeGreaterThanOrEqual(9);
  });
});

// ---------------------------------------------------------------------------------------------------
// 5. The reservation in the document
// ---------------------------------------------------------------------------------------------------

describe('the reservation as the document describes it', () => {
  test('a cancellation lists what it gave back: seats_released as seat ids, ga_released as {section_id, quantity}', () => {
    const reservation = resolve(doc.components.schemas.Reservation!);
    expect(reservation.properties!.seats_released).toMatchObject({ type: 'array', items: { type: 'string', format: 'uuid' } });
    expect(resolve(reservation.properties!.ga_released!)).toMatchObject({
      type: 'array',
      items: { type: 'object', properties: { section_id: { type: 'string', format: 'uuid' }, quantity: { type: 'integer' } } },
    });
    expect(operation('delete', '/api/v1/reservations/{id}').responses['200']!.description).toMatch(/seats_released and ga_released/);
  });

  test('creating and confirming a reservation document 422 IDEMPOTENCY_KEY_REUSED for a key reused with another body', () => {
    for (const path of ['/api/v1/reservations', '/api/v1/reservations/{id}/confirm']) {
      const response = operation('post', path).responses['422'];
      expect(response?.description).toMatch(/^IDEMPOTENCY_KEY_REUSED: the same X-Idempotency-Key was used with a different request body/);
      expect(response?.content?.['application/json']?.schema.$ref).toBe('#/components/schemas/Error');
    }
  });
});

// ---------------------------------------------------------------------------------------------------
// 6. No 500 where the contract has a code
// ---------------------------------------------------------------------------------------------------

describe('failures with a contract code never reach the client as 500', () => {
  /** Holds a row lock on the venue, as a long admin transaction would, while `during` runs. */
  async function withVenueLocked<T>(venueId: string, during: () => Promise<T>): Promise<T> {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SELECT 1 FROM venues WHERE id = $1 FOR UPDATE', [venueId]);
      return await during();
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
  }

  const eventFor = (venue: { id: string; sections: Array<{ id: string }> }) => ({
    name: `Show ${tag()}`, venue_id: venue.id, starts_at: '2030-01-10T19:30:00Z', prices: [{ section_id: venue.sections[0]!.id, price_cents: 100 }],
  });

  test('when creating an event waits past the lock timeout (55P03), the admin gets 503 UNAVAILABLE with Retry-After, and nothing is created', async () => {
    const venue = await createVenue();
    const body = eventFor(venue);
    const res = await withVenueLocked(venue.id, () => asAdmin(request(app).post('/api/v1/events')).send(body));
    expect(res.status).toBe(503);
    expect(res.body.error).toBe('UNAVAILABLE');
    expect(res.headers['retry-after']).toBe('1');
    expect((await pool.query('SELECT 1 FROM events WHERE name = $1', [body.name])).rowCount).toBe(0);
  });

  test('when a statement runs past the statement timeout (57014), the client gets 503 UNAVAILABLE with Retry-After', async () => {
    const impatient = createPool({ ...config, DATABASE_STATEMENT_TIMEOUT_MS: 200 });
    try {
      const impatientApp = buildApp({ pool: impatient });
      const venue = await createVenue();
      const res = await withVenueLocked(venue.id, () => asAdmin(request(impatientApp).post('/api/v1/events')).send(eventFor(venue)));
      expect(res.status).toBe(503);
      expect(res.body.error).toBe('UNAVAILABLE');
      expect(res.headers['retry-after']).toBe('1');
    } finally {
      await impatient.end();
    }
  });

  test('when Temporal sheds load (gRPC RESOURCE_EXHAUSTED), the client gets 503 UNAVAILABLE with Retry-After', async () => {
    const exhausted = Object.assign(new Error('8 RESOURCE_EXHAUSTED: namespace rate limit exceeded'), { code: 8 });
    const throwing = express();
    throwing.post('/hold', (_req, _res, next) => next(new ServiceError('Failed to start workflow', { cause: exhausted })));
    throwing.use(errorHandler((line) => serverErrors.push(line)));
    const res = await request(throwing).post('/hold');
    expect(res.status).toBe(503);
    expect(res.body.error).toBe('UNAVAILABLE');
    expect(res.headers['retry-after']).toBe('1');
  });

  test('a forged cursor whose instant PostgreSQL cannot read is 400 VALIDATION_ERROR, not 500', async () => {
    for (const instant of ['2030-01-01T00:00:00+23:00', '0000-01-01T00:00:00Z']) {
      const cursor = Buffer.from(JSON.stringify([instant, randomUUID()])).toString('base64url');
      const res = await request(app).get('/api/v1/events').query({ cursor });
      expect({ instant, status: res.status, error: res.body.error }).toEqual({ instant, status: 400, error: 'VALIDATION_ERROR' });
    }
  });

  test('a path id with broken percent-encoding is 400 VALIDATION_ERROR, not 500', async () => {
    for (const path of ['/api/v1/venues/%E0%A4%A', '/api/v1/events/%ZZ/seats']) {
      const res = await request(app).get(path);
      expect({ path, status: res.status, error: res.body.error }).toEqual({ path, status: 400, error: 'VALIDATION_ERROR' });
    }
  });

  test('a body that is not the gzip its Content-Encoding says is 400 VALIDATION_ERROR, not 500', async () => {
    const res = await request(app)
      .post('/api/v1/auth/login')
      .set('Content-Type', 'application/json')
      .set('Content-Encoding', 'gzip')
      .send('{"email": "not gzip at all"}');
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('VALIDATION_ERROR');
  });

  test('when two registrations of one email race, one account is created and every other gets 409 EMAIL_TAKEN', async () => {
    const email = `race-${tag()}@example.com`;
    const answers = await Promise.all(
      [email, email.toUpperCase(), email, email.toUpperCase()].map((e) =>
        request(app).post('/api/v1/auth/register').send({ email: e, password: 'correct-horse', name: 'Racer' }),
      ),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([201, 409, 409, 409]);
    for (const a of answers.filter((x) => x.status === 409)) expect(a.body.error).toBe('EMAIL_TAKEN');
  });
});
