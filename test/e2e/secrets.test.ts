import { createHmac, randomBytes } from 'node:crypto';
import { startServer, type RunningServer } from '../../src/api/server';
import { ConfigError, loadConfig, loadSettings, PUBLISHED_SECRETS, type Config } from '../../src/config';
import { queueTokenIdOf, signQueueToken, type QueueTokenClaims } from '../../src/waiting-room/queue-token';
import { paymentsOf } from '../support/db-queries';
import { useE2eStack } from '../support/e2e-stack';
import { testConfig, testDatabaseUrl } from '../support/env';
import { httpClient, type HttpClient } from '../support/http';
import { createEventViaApi, registerBuyer, type ApiEvent, type Buyer } from '../support/scenario';

const e2e = useE2eStack();

const freshSecret = (): string => randomBytes(32).toString('hex');

/** Everything a process needs but its secrets. */
const WITHOUT_SECRETS: NodeJS.ProcessEnv = {
  DATABASE_URL: testDatabaseUrl(),
  REDIS_URL: 'redis://127.0.0.1:6379/1',
  TEMPORAL_ADDRESS: '127.0.0.1:7233',
};

async function eventually<T>(check: () => Promise<T | null | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function signedWebhook(api: HttpClient, secret: string, body: Record<string, unknown>) {
  const raw = JSON.stringify(body);
  return api.post('/api/v1/payments/webhook', undefined, { raw, headers: { 'x-signature': createHmac('sha256', secret).update(raw).digest('hex') } });
}

function holdGa(api: HttpClient, buyer: Buyer, event: ApiEvent, queueToken?: string) {
  return api.post('/api/v1/reservations', { event_id: event.eventId, ga: [{ section_id: event.gaSectionId, quantity: 1 }] }, { token: buyer.token, headers: queueToken ? { 'X-Queue-Token': queueToken } : {} });
}

/**
 * A token as the waiting room signs it when it admits a fan (the on-sale workflow's admission itself is
 * the waiting room suites' subject): for this fan and event, valid for a minute.
 */
async function admittedFan(event: ApiEvent, secret: string): Promise<{ fan: Buyer; token: string }> {
  const fan = await registerBuyer(e2e.api);
  return { fan, token: tokenFor(secret, event.eventId, fan.id, 1) };
}

function tokenFor(secret: string, eventId: string, userId: string, admissionNumber: number): string {
  const admission: Omit<QueueTokenClaims, 'tokenId'> = { eventId, userId, expiresAtMs: Date.now() + 60_000, admissionNumber };
  return signQueueToken(secret, { ...admission, tokenId: queueTokenIdOf(admission) });
}

/**
 * Another API process on the suite's task queue (its worker serves both), configured as an operator
 * rotating a secret would: the new value, and the old one as *_PREVIOUS during the overlap.
 */
const rotated: RunningServer[] = [];
async function apiWith(secrets: Partial<Record<keyof Config, string>>): Promise<HttpClient> {
  const server = await startServer({ config: testConfig({ TEMPORAL_TASK_QUEUE: e2e.stack.config.TEMPORAL_TASK_QUEUE, ...secrets }), port: 0, log: () => undefined });
  rotated.push(server);
  return httpClient(server.url);
}

afterAll(async () => {
  for (const server of rotated.splice(0)) await server.stop();
});

describe('no secret has a built-in value', () => {
  test('a process configured without PAYMENT_WEBHOOK_SECRET and QUEUE_TOKEN_SECRET refuses to start, and the error names both', () => {
    let refusal: unknown;
    try {
      loadConfig(WITHOUT_SECRETS);
    } catch (err) {
      refusal = err;
    }
    expect(refusal).toBeInstanceOf(ConfigError);
    expect(String((refusal as Error).message)).toMatch(/PAYMENT_WEBHOOK_SECRET[^\n]*required/);
    expect(String((refusal as Error).message)).toMatch(/QUEUE_TOKEN_SECRET[^\n]*required/);
    // With both set to values of its own, the same process starts.
    expect(loadConfig({ ...WITHOUT_SECRETS, PAYMENT_WEBHOOK_SECRET: freshSecret(), QUEUE_TOKEN_SECRET: freshSecret() }).PORT).toBe(3000);
  });

  test('a process configured without DATABASE_URL refuses to start and says where one comes from: no database password is built in', () => {
    const own = { PAYMENT_WEBHOOK_SECRET: freshSecret(), QUEUE_TOKEN_SECRET: freshSecret() };
    const withoutDatabase: NodeJS.ProcessEnv = { ...WITHOUT_SECRETS, ...own };
    delete withoutDatabase.DATABASE_URL;
    for (const load of [() => loadConfig(withoutDatabase), () => loadSettings(withoutDatabase)]) {
      expect(load).toThrow(ConfigError);
      expect(load).toThrow(/DATABASE_URL is required[^\n]*`npm start` and `npm test` provide/);
    }
    expect(loadSettings({ ...withoutDatabase, DATABASE_URL: WITHOUT_SECRETS.DATABASE_URL }).DATABASE_URL).toBe(WITHOUT_SECRETS.DATABASE_URL);
  });

  test('every value printed in documentation is refused as a secret or an admin password, whatever its case, and so is one too short to resist guessing', () => {
    const own = { PAYMENT_WEBHOOK_SECRET: freshSecret(), QUEUE_TOKEN_SECRET: freshSecret() };
    expect(PUBLISHED_SECRETS).toEqual(expect.arrayContaining(['dev-webhook-secret', 'dev-queue-token-secret', 'admin-password', 'admin-password-change-me']));
    for (const published of PUBLISHED_SECRETS) {
      for (const name of ['PAYMENT_WEBHOOK_SECRET', 'QUEUE_TOKEN_SECRET', 'PAYMENT_WEBHOOK_SECRET_PREVIOUS', 'QUEUE_TOKEN_SECRET_PREVIOUS']) {
        expect({ name, published, loads: loads({ ...WITHOUT_SECRETS, ...own, [name]: published.toUpperCase() }) }).toEqual({ name, published, loads: false });
      }
      expect({ published, loads: loads({ ...WITHOUT_SECRETS, ...own, ADMIN_EMAIL: 'admin@example.com', ADMIN_PASSWORD: published }) }).toEqual({ published, loads: false });
    }
    expect(loads({ ...WITHOUT_SECRETS, ...own, QUEUE_TOKEN_SECRET: 'short-secret' })).toBe(false);
  });

  test('on a running API, a "succeeded" webhook signed with dev-webhook-secret is refused 401 INVALID_SIGNATURE: the hold stays unpaid and nobody gets tickets', async () => {
    const event = await createEventViaApi(e2e.api, e2e.admin, { gaCapacity: 5 });
    const buyer = await registerBuyer(e2e.api);
    const held = await holdGa(e2e.api, buyer, event);
    expect(held.status).toBe(201);
    const id = held.body.reservation_id as string;
    const forged = await signedWebhook(e2e.api, 'dev-webhook-secret', { reservation_id: id, payment_id: `pay_${id}`, status: 'succeeded', amount_cents: held.body.total_price_cents });
    expect([forged.status, forged.body.error]).toEqual([401, 'INVALID_SIGNATURE']);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await e2e.api.get(`/api/v1/reservations/${id}`, { token: buyer.token })).body).toMatchObject({ status: 'HELD', tickets: [] });
    expect(await paymentsOf(e2e.stack.server.deps.pool, id)).toEqual([]);
  });

  test('on a running API, a queue token minted with dev-queue-token-secret is refused 403 QUEUE_TOKEN_REQUIRED and holds nothing', async () => {
    const event = await createEventViaApi(e2e.api, e2e.admin, { gaCapacity: 5, event: { high_demand: true } });
    const fan = await registerBuyer(e2e.api);
    const minted = tokenFor('dev-queue-token-secret', event.eventId, fan.id, 1);
    const res = await holdGa(e2e.api, fan, event, minted);
    expect([res.status, res.body.error]).toEqual([403, 'QUEUE_TOKEN_REQUIRED']);
    const { rows } = await e2e.stack.server.deps.pool.query('SELECT count(*)::int AS n FROM reservations WHERE event_id = $1', [event.eventId]);
    expect(rows[0].n).toBe(0);
  });
});

describe('rotating a secret without losing work in flight', () => {
  test('a payment the provider signed with the old webhook secret is accepted while PAYMENT_WEBHOOK_SECRET_PREVIOUS keeps it, and refused once the overlap ends', async () => {
    const old = e2e.stack.config.PAYMENT_WEBHOOK_SECRET;
    const next = freshSecret();
    const event = await createEventViaApi(e2e.api, e2e.admin, { gaCapacity: 5 });
    const buyer = await registerBuyer(e2e.api);

    const during = await apiWith({ PAYMENT_WEBHOOK_SECRET: next, PAYMENT_WEBHOOK_SECRET_PREVIOUS: old });
    const first = await holdGa(during, buyer, event);
    const firstId = first.body.reservation_id as string;
    const notification = { reservation_id: firstId, payment_id: `pay_${firstId}`, status: 'succeeded', amount_cents: first.body.total_price_cents };
    expect((await signedWebhook(during, old, notification)).status).toBe(202);
    await eventually(async () => (await during.get(`/api/v1/reservations/${firstId}`, { token: buyer.token })).body.status === 'CONFIRMED');

    const after = await apiWith({ PAYMENT_WEBHOOK_SECRET: next });
    const second = await holdGa(after, buyer, event);
    const secondId = second.body.reservation_id as string;
    const late = { reservation_id: secondId, payment_id: `pay_${secondId}`, status: 'succeeded', amount_cents: second.body.total_price_cents };
    expect((await signedWebhook(after, old, late)).body.error).toBe('INVALID_SIGNATURE');
    expect((await after.get(`/api/v1/reservations/${secondId}`, { token: buyer.token })).body.status).toBe('HELD');
    // The new secret signs from the start of the overlap on.
    expect((await signedWebhook(after, next, late)).status).toBe(202);
  });

  test('a fan admitted before the queue token secret was rotated still holds during the overlap; after it that token is refused and one signed with the new secret holds', async () => {
    const event = await createEventViaApi(e2e.api, e2e.admin, { gaCapacity: 10, event: { high_demand: true } });
    const old = e2e.stack.config.QUEUE_TOKEN_SECRET;
    const next = freshSecret();
    const before = await admittedFan(event, old);
    const laterFan = await admittedFan(event, old);

    const during = await apiWith({ QUEUE_TOKEN_SECRET: next, QUEUE_TOKEN_SECRET_PREVIOUS: old });
    expect((await holdGa(during, before.fan, event, before.token)).status).toBe(201);

    const after = await apiWith({ QUEUE_TOKEN_SECRET: next });
    const refused = await holdGa(after, laterFan.fan, event, laterFan.token);
    expect([refused.status, refused.body.error]).toEqual([403, 'QUEUE_TOKEN_REQUIRED']);
    const readmitted = tokenFor(next, event.eventId, laterFan.fan.id, 2);
    expect((await holdGa(after, laterFan.fan, event, readmitted)).status).toBe(201);
  });
});

function loads(env: NodeJS.ProcessEnv): boolean {
  try {
    loadConfig(env);
    return true;
  } catch (err) {
    if (err instanceof ConfigError) return false;
    throw err;
  }
}
