import { createEventFactsCache } from '../../src/events/event-facts';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { Redis } from 'ioredis';
import type { Pool } from 'pg';
import { createApp } from '../../src/api/app';
import { LiveInventory } from '../../src/api/live/live-inventory';
import { createMetrics } from '../../src/api/metrics';
import type { Config } from '../../src/config';
import { createPool } from '../../src/db/pool';
import { createRedis, waitForRedis } from '../../src/shared/clients';
import { createRateLimits } from '../../src/shared/rate-limits';
import { testConfig, testTicketKeys } from '../support/env';
import { seedEvent } from '../support/fixtures';
import { openSse, type SseConnection } from '../support/sse';

/** Two streams per client address, three in the process: small enough to reach in a scenario. */
const config: Config = testConfig({ LIVE_STREAMS_PER_CLIENT: '2', LIVE_STREAMS_PER_PROCESS: '3' });

let pool: Pool;
let redis: Redis;
let live: LiveInventory;
let server: Server;
let url: string;
const open: SseConnection[] = [];

beforeAll(async () => {
  pool = createPool(config);
  redis = createRedis(config);
  await waitForRedis(redis);
  live = new LiveInventory(redis, pool, { heartbeatMs: 60_000, maxStreams: config.LIVE_STREAMS_PER_PROCESS, maxStreamsPerClient: config.LIVE_STREAMS_PER_CLIENT });
  const app = createApp({ config, pool, redis, temporal: undefined as never, metrics: createMetrics(), ticketKeys: testTicketKeys(), rateLimits: createRateLimits(redis, config), eventFacts: createEventFactsCache({ ttlMs: 1000, maxEvents: 100 }), live }, () => undefined);
  server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, () => resolve(s));
  });
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const stream of open.splice(0)) stream.close();
  live.close();
  await new Promise((resolve) => server.close(resolve));
  await pool.end();
  redis.disconnect();
});

/** A stream opened from `ip` (the API trusts X-Forwarded-For from its loopback proxy), once it says it is ready. */
async function watchFrom(ip: string, eventId: string): Promise<SseConnection> {
  const stream = await openSse(`${url}/api/v1/events/${eventId}/stream`, { 'X-Forwarded-For': ip });
  open.push(stream);
  expect(stream.status).toBe(200);
  await stream.waitFor((e) => e.event === 'ready', 10_000, 'ready');
  return stream;
}

/** What a client over a cap is told (read as a plain response: no stream is opened). */
async function refusedFrom(ip: string, eventId: string): Promise<{ status: number; error: unknown; retryAfter: string | null }> {
  const res = await fetch(`${url}/api/v1/events/${eventId}/stream`, { headers: { accept: 'text/event-stream', 'X-Forwarded-For': ip } });
  const body = (await res.json()) as { error?: unknown };
  return { status: res.status, error: body.error, retryAfter: res.headers.get('retry-after') };
}

async function eventually(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('live streams are capped per client address and per process', () => {
  test('an address holding its two streams is refused a third with 429 and Retry-After; the process serves three in all; a closed stream frees its place', async () => {
    const { event } = await seedEvent(pool, { ga: [{ capacity: 5 }] });
    const [a1] = [await watchFrom('10.9.0.1', event.id), await watchFrom('10.9.0.1', event.id)];
    expect(await refusedFrom('10.9.0.1', event.id)).toEqual({ status: 429, error: 'RATE_LIMITED', retryAfter: expect.stringMatching(/^\d+$/) });

    await watchFrom('10.9.0.2', event.id);
    // The process is full: a newcomer from anywhere waits for a place.
    expect(await refusedFrom('10.9.0.3', event.id)).toMatchObject({ status: 429, error: 'RATE_LIMITED' });
    expect(live.clientCount).toBe(3);

    a1!.close();
    await eventually(() => live.clientCount === 2);
    await watchFrom('10.9.0.3', event.id);
    expect(live.clientCount).toBe(3);
  });

  test('the seat map stays public and unaffected while the streams are capped', async () => {
    const { event } = await seedEvent(pool, { ga: [{ capacity: 5 }] });
    expect(live.clientCount).toBe(3);
    const res = await fetch(`${url}/api/v1/events/${event.id}/seats`, { headers: { 'X-Forwarded-For': '10.9.0.4' } });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { total_available: number }).total_available).toBe(5);
  });
});
