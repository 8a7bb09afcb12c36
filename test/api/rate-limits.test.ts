import { createEventFactsCache } from '../../src/events/event-facts';
import { randomUUID } from 'node:crypto';
import type { Express } from 'express';
import type { Redis } from 'ioredis';
import type { Pool } from 'pg';
import request from 'supertest';
import { createApp } from '../../src/api/app';
import { createMetrics } from '../../src/api/metrics';
import { createRateLimits } from '../../src/shared/rate-limits';
import { createSession } from '../../src/users/sessions';
import { ensureAdmin } from '../../src/users/user-accounts';
import type { Config } from '../../src/config';
import { createPool } from '../../src/db/pool';
import { createRedis } from '../../src/shared/clients';
import { testConfig, testTicketKeys } from '../support/env';
import { createUser, seedEvent } from '../support/fixtures';

/** The seed's budgets, as a real deployment has them (tests otherwise run without limits). */
const config: Config = testConfig({
  RATE_LIMIT_AUTH_PER_MINUTE: '10',
  RATE_LIMIT_DEFAULT_PER_MINUTE: '100',
  RATE_LIMIT_CHECKOUT_PER_MINUTE: '5',
  RATE_LIMIT_IP_MULTIPLIER: '5',
});

let pool: Pool;
let redis: Redis;

/** One API process; two built on the same Redis behave as two processes behind a load balancer. */
function apiProcess(): Express {
  return createApp({ config, pool, redis, temporal: undefined as never, metrics: createMetrics(), ticketKeys: testTicketKeys(), rateLimits: createRateLimits(redis, config), eventFacts: createEventFactsCache({ ttlMs: 1000, maxEvents: 100 }) }, () => undefined);
}

/** A client address of its own per scenario (the API trusts X-Forwarded-For from its loopback proxy). */
const freshIp = (): string => `10.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`;

beforeAll(() => {
  pool = createPool(config);
  redis = createRedis(config);
});

afterAll(async () => {
  await pool.end();
  redis.disconnect();
});

describe('sign-in is limited per account and per IP', () => {
  test('when someone tries 30 wrong passwords in a row for one account, the first 10 answer 401 and the rest 429 with Retry-After, even from other IPs', async () => {
    const email = `admin-${randomUUID()}@example.com`;
    await ensureAdmin(pool, email, 'the-right-password');
    const app = apiProcess();
    const statuses: number[] = [];
    let retryAfter: string | undefined;
    for (let i = 0; i < 30; i++) {
      // A third of the guesses come from another address: the account's budget is what stops them.
      const res = await request(app).post('/api/v1/auth/login').set('X-Forwarded-For', i % 3 === 0 ? freshIp() : '10.250.0.1').send({ email, password: `guess-${i}` });
      statuses.push(res.status);
      if (res.status === 429) {
        retryAfter = res.headers['retry-after'];
        expect(res.body.error).toBe('RATE_LIMITED');
      }
    }
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(401));
    expect(statuses.slice(10)).toEqual(Array(20).fill(429));
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    expect(Number(retryAfter)).toBeLessThanOrEqual(60);
  });

  test('one IP registering account after account is stopped after its budget (10 per minute times 5)', async () => {
    const ip = freshIp();
    const app = apiProcess();
    const statuses: number[] = [];
    for (let i = 0; i < 52; i++) {
      const res = await request(app).post('/api/v1/auth/register').set('X-Forwarded-For', ip).send({ email: `n-${randomUUID()}@example.com`, password: 'x' });
      statuses.push(res.status);
    }
    // Invalid bodies count too: a flood of junk is still a flood.
    expect(statuses.slice(0, 50).every((s) => s === 400)).toBe(true);
    expect(statuses.slice(50)).toEqual([429, 429]);
  });
});

describe('every other endpoint has a budget per user and per IP', () => {
  test('an anonymous client polling the event list gets 429 with Retry-After once its IP has used 500 requests in a minute, and another IP is still served', async () => {
    const ip = freshIp();
    const app = apiProcess();
    const statuses = new Map<number, number>();
    for (let i = 0; i < 502; i++) {
      const res = await request(app).get('/api/v1/events?limit=1').set('X-Forwarded-For', ip);
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    }
    expect(Object.fromEntries(statuses)).toEqual({ 200: 500, 429: 2 });
    const other = await request(app).get('/api/v1/events?limit=1').set('X-Forwarded-For', freshIp());
    expect(other.status).toBe(200);
  });

  test('a signed-in user is limited across IPs and across API processes: the budget lives in Redis', async () => {
    const token = await createSession(redis, await createUser(pool), 600);
    const [first, second] = [apiProcess(), apiProcess()];
    const statuses: number[] = [];
    for (let i = 0; i < 102; i++) {
      const res = await request(i % 2 === 0 ? first : second).get('/api/v1/auth/me').set('X-Forwarded-For', freshIp()).set('authorization', `Bearer ${token}`);
      statuses.push(res.status);
    }
    expect(statuses.filter((s) => s === 200)).toHaveLength(100);
    expect(statuses.slice(100)).toEqual([429, 429]);
  });

  test('payments have the tightest budget: a sixth confirm in a minute is 429 before it reaches the reservation', async () => {
    const token = await createSession(redis, await createUser(pool), 600);
    const app = apiProcess();
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await request(app).post(`/api/v1/reservations/${randomUUID()}/confirm`).set('X-Forwarded-For', freshIp()).set('authorization', `Bearer ${token}`).send({ payment_method_id: 'pm_card_visa' });
      statuses.push(res.status);
    }
    expect(statuses).toEqual([404, 404, 404, 404, 404, 429]);
  });
});

/**
 * Budgets small enough to spend in a scenario: 5 holds and 5 queue joins a minute per buyer, 8 other requests a minute
 * per user, and twice that per IP. Every refusal below happens before Temporal would be asked.
 */
const tight: Config = testConfig({ RESERVATION_RATE_LIMIT_PER_MINUTE: '5', RATE_LIMIT_QUEUE_JOIN_PER_MINUTE: '5', RATE_LIMIT_DEFAULT_PER_MINUTE: '8', RATE_LIMIT_IP_MULTIPLIER: '2' });
const tightApi = (): Express =>
  createApp({ config: tight, pool, redis, temporal: undefined as never, metrics: createMetrics(), ticketKeys: testTicketKeys(), rateLimits: createRateLimits(redis, tight), eventFacts: createEventFactsCache({ ttlMs: 1000, maxEvents: 100 }) }, () => undefined);

const inAnHour = () => new Date(Date.now() + 3_600_000);
const aMinuteAgo = () => new Date(Date.now() - 60_000);

async function reservationsOf(eventId: string): Promise<number> {
  const { rows } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM reservations WHERE event_id = $1', [eventId]);
  return rows[0]!.n;
}

describe('every refused hold counts against the buyer’s budget', () => {
  test('a buyer guessing a presale code gets 403 PRESALE_CODE_REQUIRED five times, then 429 with Retry-After, even for the right code, and nothing is held', async () => {
    const { event, gaSectionIds } = await seedEvent(pool, {
      ga: [{ capacity: 10 }],
      event: { on_sale_at: new Date(Date.now() + 86_400_000), presales: [{ name: 'Fan club', starts_at: aMinuteAgo(), ends_at: inAnHour(), access_code: 'THE-RIGHT-CODE', max_tickets_per_user: 4 }] },
    });
    const token = await createSession(redis, await createUser(pool), 600);
    const app = tightApi();
    const answers: Array<{ status: number; error: string; retryAfter?: string }> = [];
    for (const guess of ['AAAA', 'AAAB', 'AAAC', 'AAAD', 'AAAE', 'AAAF', 'THE-RIGHT-CODE']) {
      // Each guess from another address: the buyer's own budget is what stops them.
      const res = await request(app).post('/api/v1/reservations').set('X-Forwarded-For', freshIp()).set('authorization', `Bearer ${token}`)
        .send({ event_id: event.id, ga: [{ section_id: gaSectionIds[0], quantity: 1 }], presale_code: guess });
      answers.push({ status: res.status, error: res.body.error, ...(res.status === 429 ? { retryAfter: res.headers['retry-after'] } : {}) });
    }
    expect(answers.map((a) => [a.status, a.error])).toEqual([...Array(5).fill([403, 'PRESALE_CODE_REQUIRED']), [429, 'RATE_LIMITED'], [429, 'RATE_LIMITED']]);
    for (const limited of answers.slice(5)) expect(Number(limited.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(await reservationsOf(event.id)).toBe(0);
  });

  test('a buyer sending invalid holds gets 400 VALIDATION_ERROR five times, then 429 with Retry-After', async () => {
    const token = await createSession(redis, await createUser(pool), 600);
    const app = tightApi();
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) {
      const res = await request(app).post('/api/v1/reservations').set('X-Forwarded-For', freshIp()).set('authorization', `Bearer ${token}`).send({ event_id: 'not-an-id', seat_ids: 'all of them' });
      statuses.push(res.status);
      if (res.status === 429) expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    }
    expect(statuses).toEqual([400, 400, 400, 400, 400, 429, 429]);
  });

  test('every kind of refusal counts the same: malformed JSON, a sale not open, no queue token, a malformed idempotency key, a seat of another event', async () => {
    const closed = await seedEvent(pool, { ga: [{ capacity: 5 }], event: { on_sale_at: new Date(Date.now() + 86_400_000) } });
    const crowded = await seedEvent(pool, { ga: [{ capacity: 5 }], event: { high_demand: true } });
    const open = await seedEvent(pool, { ga: [{ capacity: 5 }] });
    const token = await createSession(redis, await createUser(pool), 600);
    const app = tightApi();
    const hold = () => request(app).post('/api/v1/reservations').set('X-Forwarded-For', freshIp()).set('authorization', `Bearer ${token}`);
    const answers = [
      await hold().set('Content-Type', 'application/json').send('{"event_id": '),
      await hold().send({ event_id: closed.event.id, ga: [{ section_id: closed.gaSectionIds[0], quantity: 1 }] }),
      await hold().send({ event_id: crowded.event.id, ga: [{ section_id: crowded.gaSectionIds[0], quantity: 1 }] }),
      await hold().set('X-Idempotency-Key', 'k'.repeat(201)).send({ event_id: open.event.id, ga: [{ section_id: open.gaSectionIds[0], quantity: 1 }] }),
      await hold().send({ event_id: open.event.id, ga: [{ section_id: closed.gaSectionIds[0], quantity: 1 }] }),
      await hold().send({ event_id: open.event.id, ga: [{ section_id: open.gaSectionIds[0], quantity: 1 }] }),
    ];
    expect(answers.map((res) => [res.status, res.body.error])).toEqual([
      [400, 'VALIDATION_ERROR'],
      [409, 'EVENT_NOT_ON_SALE'],
      [403, 'QUEUE_TOKEN_REQUIRED'],
      [400, 'VALIDATION_ERROR'],
      [400, 'VALIDATION_ERROR'],
      [429, 'RATE_LIMITED'],
    ]);
    for (const event of [closed, crowded, open]) expect(await reservationsOf(event.event.id)).toBe(0);
  });
});

describe('refusals an attacker could repeat elsewhere count too', () => {
  test('forged payment webhooks from one address are 401 until its budget is spent (8 × 2), then 429; another address is still heard', async () => {
    const ip = freshIp();
    const app = tightApi();
    const statuses: number[] = [];
    for (let i = 0; i < 18; i++) {
      const res = await request(app).post('/api/v1/payments/webhook').set('X-Forwarded-For', ip).set('X-Signature', '0'.repeat(64))
        .send({ reservation_id: randomUUID(), payment_id: `pay_${i}`, status: 'succeeded', amount_cents: 100 });
      statuses.push(res.status);
    }
    expect(statuses).toEqual([...Array(16).fill(401), 429, 429]);
    const elsewhere = await request(app).post('/api/v1/payments/webhook').set('X-Forwarded-For', freshIp()).set('X-Signature', '0'.repeat(64)).send({ reservation_id: randomUUID() });
    expect(elsewhere.status).toBe(401);
  });

  test('a scanner account presenting codes that are not tickets gets 400 INVALID_SIGNATURE eight times, then 429', async () => {
    const token = await createSession(redis, await createUser(pool, { role: 'scanner' }), 600);
    const app = tightApi();
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) {
      const res = await request(app).post('/api/v1/tickets/validate').set('X-Forwarded-For', freshIp()).set('authorization', `Bearer ${token}`).send({ qr_code: `TKT2.forged-${i}.AAAA`, event_id: randomUUID() });
      statuses.push(res.status);
    }
    expect(statuses).toEqual([...Array(8).fill(400), 429, 429]);
  });

  test('a client trying bearer tokens that open no session is stopped once its address has been refused 16 times', async () => {
    const ip = freshIp();
    const app = tightApi();
    const statuses: number[] = [];
    for (let i = 0; i < 18; i++) {
      const res = await request(app).get('/api/v1/orders').set('X-Forwarded-For', ip).set('authorization', `Bearer ${randomUUID().replace(/-/g, '')}`);
      statuses.push(res.status);
    }
    expect(statuses).toEqual([...Array(16).fill(401), 429, 429]);
  });

  test('transfers and queue joins are counted before anything is looked at, refusals included', async () => {
    const token = await createSession(redis, await createUser(pool), 600);
    const app = tightApi();
    const transfers: number[] = [];
    for (let i = 0; i < 9; i++) {
      const res = await request(app).post(`/api/v1/tickets/${randomUUID()}/transfer`).set('X-Forwarded-For', freshIp()).set('authorization', `Bearer ${token}`).send({ to_email: 'nobody@example.com' });
      transfers.push(res.status);
    }
    expect(transfers).toEqual([...Array(8).fill(404), 429]);
    const joins: number[] = [];
    for (let i = 0; i < 7; i++) {
      const res = await request(app).post(`/api/v1/queue/${randomUUID()}/join`).set('X-Forwarded-For', freshIp()).set('authorization', `Bearer ${token}`);
      joins.push(res.status);
    }
    expect(joins).toEqual([404, 404, 404, 404, 404, 429, 429]);
  });
});
