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
import { createUser } from '../support/fixtures';

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
  return createApp({ config, pool, redis, temporal: undefined as never, metrics: createMetrics(), ticketKeys: testTicketKeys(), rateLimits: createRateLimits(redis, config) }, () => undefined);
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
