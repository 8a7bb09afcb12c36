import { createEventFactsCache } from '../../src/events/event-facts';
import express, { type Express } from 'express';
import type { Redis } from 'ioredis';
import type { Pool } from 'pg';
import request from 'supertest';
import { createApp } from '../../src/api/app';
import type { ApiDeps } from '../../src/api/deps';
import { LiveInventory } from '../../src/api/live/live-inventory';
import { createMetrics } from '../../src/api/metrics';
import { errorHandler } from '../../src/api/middleware/error-handler';
import { createPool } from '../../src/db/pool';
import { createRedis, waitForRedis } from '../../src/shared/clients';
import { createLogger } from '../../src/shared/logger';
import { createRateLimits } from '../../src/shared/rate-limits';
import { capturedLog } from '../support/captured-log';
import { testConfig, testTicketKeys } from '../support/env';
import { seedEvent } from '../support/fixtures';

const config = testConfig();
/** Where nothing listens: every query fails as a database that is down does. */
const deadDatabase = { ...config, DATABASE_URL: 'postgres://tickets:nothing-listens-on-port-1@127.0.0.1:1/tickets_test' };

let pool: Pool;
let deadPool: Pool;
let redis: Redis;

beforeAll(async () => {
  pool = createPool(config);
  deadPool = createPool(deadDatabase);
  redis = createRedis(config);
  await waitForRedis(redis);
});

afterAll(async () => {
  await pool.end();
  await deadPool.end();
  redis.disconnect();
});

function appWith(overrides: Partial<ApiDeps>, accessLog?: ReturnType<typeof createLogger>): Express {
  const deps: ApiDeps = { config, pool, redis, temporal: undefined as never, metrics: createMetrics(), ticketKeys: testTicketKeys(), rateLimits: createRateLimits(redis, config), eventFacts: createEventFactsCache({ ttlMs: 1000, maxEvents: 100 }), ...overrides };
  return createApp(deps, () => undefined, accessLog);
}

/** What a dependency's own words look like: its address, its error code in a sentence, a stack frame. */
const DEPENDENCY_WORDS = [/127\.0\.0\.1:1/, /connect ECONNREFUSED/, /\n\s+at /, /"stack"/, /Cannot read properties/];

describe('/health', () => {
  test('names the dependency that is down and says nothing of what it answered: name, status and latency only', async () => {
    // PostgreSQL refuses connections and Temporal is not there at all.
    const res = await request(appWith({ pool: deadPool })).get('/health');
    expect(res.status).toBe(503);
    expect(res.body.status).toBe('degraded');
    expect(res.body.checks.map((c: Record<string, unknown>) => [c.name, c.status])).toEqual([
      ['postgresql', 'down'],
      ['redis', 'ok'],
      ['temporal', 'down'],
    ]);
    for (const check of res.body.checks) expect(Object.keys(check).sort()).toEqual(['latency_ms', 'name', 'status']);
    for (const words of DEPENDENCY_WORDS) expect(res.text).not.toMatch(words);
  });
});

describe('error bodies', () => {
  test('a live stream whose Redis does not answer is 503 UNAVAILABLE in the contract’s words only, without what Redis said', async () => {
    const { event } = await seedEvent(pool, { ga: [{ capacity: 1 }] });
    const deadRedis = createRedis({ REDIS_URL: 'redis://127.0.0.1:1' });
    deadRedis.on('error', () => undefined);
    const live = new LiveInventory(deadRedis, pool, { heartbeatMs: 60_000 });
    try {
      const res = await request(appWith({ live })).get(`/api/v1/events/${event.id}/stream`);
      expect(res.status).toBe(503);
      expect(Object.keys(res.body).sort()).toEqual(['error', 'message']);
      expect(res.body.error).toBe('UNAVAILABLE');
      for (const words of DEPENDENCY_WORDS) expect(res.text).not.toMatch(words);
    } finally {
      live.close();
      deadRedis.disconnect();
    }
  });

  test('a bug is 500 INTERNAL with neither its text nor its stack, and its log line says what kind of error it was, without either', async () => {
    const logged: string[] = [];
    const app = express();
    app.get('/boom', () => {
      throw new Error('relation "card_numbers" does not exist');
    });
    app.use(errorHandler((line) => logged.push(line)));
    const res = await request(app).get('/boom');
    expect(res.status).toBe(500);
    expect(res.body).toEqual({ error: 'INTERNAL', message: 'internal error' });
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatch(/GET \/boom: INTERNAL/);
    expect(logged[0]).toMatch(/Error/);
    expect(logged[0]).not.toMatch(/card_numbers/);
    expect(logged[0]).not.toMatch(/\n\s+at /);
  });
});

describe('the access log an operator watches', () => {
  test('a refused request (4xx) is one line at info with its status and code, and none of the response headers', async () => {
    const log = capturedLog('api', 'info');
    await request(appWith({}, log.logger)).get('/api/v1/nowhere').set('X-Request-Id', 'lost-client-1');
    const line = log.lines().find((l) => l.req?.id === 'lost-client-1');
    expect(line).toMatchObject({ level: 30, res: { statusCode: 404 }, error: { code: 'NOT_FOUND' } });
    expect(Object.keys(line!.res)).toEqual(['statusCode']);
    expect(log.text()).not.toMatch(/content-security-policy|x-request-id"|strict-transport-security/i);
  });

  test('at the level npm start logs (warn), refused requests write nothing', async () => {
    const log = capturedLog('api', 'warn');
    await request(appWith({}, log.logger)).get('/api/v1/nowhere');
    await request(appWith({}, log.logger)).get('/api/v1/orders');
    expect(log.lines()).toEqual([]);
  });

  test('a request that failed because a dependency is down (503) is one line at error with its code and message, never a stack or the dependency’s words', async () => {
    const log = capturedLog('api', 'info');
    const res = await request(appWith({ pool: deadPool }, log.logger)).get('/api/v1/events').set('X-Request-Id', 'db-down-1');
    expect(res.status).toBe(503);
    const lines = log.lines().filter((l) => l.req?.id === 'db-down-1');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 50, res: { statusCode: 503 }, error: { code: 'UNAVAILABLE', message: expect.any(String) } });
    for (const words of DEPENDENCY_WORDS) expect(log.text()).not.toMatch(words);
  });
});
