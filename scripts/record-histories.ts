/**
 * `npm run record-histories`: runs each reservation scenario for real — HTTP API, worker, Temporal dev
 * server, PostgreSQL, Redis — and saves each workflow's event history as JSON under
 * test/replay/histories/. The replay test then proves the current workflow code still replays them:
 * commit new histories whenever the workflow gains a path, and never edit the old ones.
 */
import { createHmac } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { bundleWorkflowCode } from '@temporalio/worker';
import { startServer } from '../src/api/server';
import { reservationIdFor } from '../src/api/services/reservation-ids';
import { loadConfig } from '../src/config';
import { createPool } from '../src/db/pool';
import { createSimulatedProvider } from '../src/payments/simulated-provider';
import { createRedis } from '../src/shared/clients';
import { createWorker } from '../src/workers/create-worker';
import { reservationWorkflowId } from '../src/workflows/ids';
import { httpClient, type HttpClient } from '../test/support/http';
import { adminToken, createEventViaApi, registerBuyer, type ApiEvent } from '../test/support/scenario';
import { ensureStack } from './lib/stack';
import { REPO_ROOT } from './lib/processes';

const OUT_DIR = join(REPO_ROOT, 'test', 'replay', 'histories');

type Scenario = (api: HttpClient, event: ApiEvent, secret: string) => Promise<string>;

const scenarios: Record<string, Scenario> = {
  'paid-in-time': async (api, event) => {
    const buyer = await registerBuyer(api);
    const held = await api.post('/api/v1/reservations', { event_id: event.eventId, seat_ids: [event.seatIds[0]], ga: [{ section_id: event.gaSectionId, quantity: 1 }] }, { token: buyer.token });
    await api.post(`/api/v1/reservations/${held.body.reservation_id}/confirm`, { payment_method_id: 'pm_card_visa' }, { token: buyer.token });
    return held.body.reservation_id;
  },
  'expired-unpaid': async (api, event) => {
    const buyer = await registerBuyer(api);
    const held = await api.post('/api/v1/reservations', { event_id: event.eventId, seat_ids: [event.seatIds[1]], hold_duration_seconds: 1 }, { token: buyer.token });
    await new Promise((resolve) => setTimeout(resolve, 2500));
    return held.body.reservation_id;
  },
  'extended-then-cancelled': async (api, event) => {
    const buyer = await registerBuyer(api);
    const held = await api.post('/api/v1/reservations', { event_id: event.eventId, seat_ids: [event.seatIds[2]] }, { token: buyer.token });
    await api.post(`/api/v1/reservations/${held.body.reservation_id}/extend`, undefined, { token: buyer.token });
    await api.post(`/api/v1/reservations/${held.body.reservation_id}/extend`, undefined, { token: buyer.token });
    await api.delete(`/api/v1/reservations/${held.body.reservation_id}`, { token: buyer.token });
    return held.body.reservation_id;
  },
  'declined-three-times': async (api, event) => {
    const buyer = await registerBuyer(api);
    const held = await api.post('/api/v1/reservations', { event_id: event.eventId, ga: [{ section_id: event.gaSectionId, quantity: 2 }] }, { token: buyer.token });
    for (let i = 0; i < 3; i++) {
      await api.post(`/api/v1/reservations/${held.body.reservation_id}/confirm`, { payment_method_id: 'pm_card_declined' }, { token: buyer.token });
    }
    return held.body.reservation_id;
  },
  'flaky-processor-then-paid': async (api, event) => {
    const buyer = await registerBuyer(api);
    const held = await api.post('/api/v1/reservations', { event_id: event.eventId, seat_ids: [event.seatIds[3]] }, { token: buyer.token });
    await api.post(`/api/v1/reservations/${held.body.reservation_id}/confirm`, { payment_method_id: 'pm_card_error' }, { token: buyer.token });
    return held.body.reservation_id;
  },
  'rejected-seat-taken': async (api, event) => {
    const buyer = await registerBuyer(api);
    const key = `rejected-${Date.now()}`;
    const rejected = await api.post('/api/v1/reservations', { event_id: event.eventId, seat_ids: [event.seatIds[0]] }, { token: buyer.token, headers: { 'X-Idempotency-Key': key } });
    if (rejected.status !== 409) throw new Error(`expected 409, got ${rejected.status}`);
    // A refusal has no reservation to show, but the key names its workflow all the same.
    return reservationIdFor(buyer.id, key);
  },
  'paid-by-webhook': async (api, event, secret) => {
    const buyer = await registerBuyer(api);
    const held = await api.post('/api/v1/reservations', { event_id: event.eventId, seat_ids: [event.seatIds[4]] }, { token: buyer.token });
    const body = JSON.stringify({ reservation_id: held.body.reservation_id, payment_id: `pay_${held.body.reservation_id}`, status: 'succeeded', amount_cents: held.body.total_price_cents });
    await api.post('/api/v1/payments/webhook', undefined, { raw: body, headers: { 'x-signature': createHmac('sha256', secret).update(body).digest('hex') } });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    return held.body.reservation_id;
  },
};

async function main(): Promise<void> {
  const stack = await ensureStack({ dataDir: join(REPO_ROOT, '.data'), database: 'tickets_test' });
  const config = loadConfig({
    ...process.env,
    DATABASE_URL: stack.databaseUrl,
    REDIS_URL: stack.redisUrl,
    TEMPORAL_ADDRESS: stack.temporalAddress,
    TEMPORAL_TASK_QUEUE: `record-histories-${Date.now()}`,
  });
  const pool = createPool(config);
  const redis = createRedis(config);
  const workflowBundle = await bundleWorkflowCode({ workflowsPath: require.resolve('../src/workflows') });
  const { worker, connection } = await createWorker({ config, pool, redis, payments: createSimulatedProvider(redis), workflowBundle });
  const running = worker.run();
  const server = await startServer({ config, port: 0 });
  try {
    const api = httpClient(server.url);
    const admin = await adminToken(api, pool);
    const event = await createEventViaApi(api, admin, { rows: 1, seatsPerRow: 6, gaCapacity: 10, event: { max_hold_extensions: 1 } });
    mkdirSync(OUT_DIR, { recursive: true });
    for (const [name, scenario] of Object.entries(scenarios)) {
      const reservationId = await scenario(api, event, config.PAYMENT_WEBHOOK_SECRET);
      const handle = server.deps.temporal.workflow.getHandle(reservationWorkflowId(reservationId));
      await handle.result().catch(() => undefined);
      const history = await handle.fetchHistory();
      writeFileSync(join(OUT_DIR, `${name}.json`), historyToJSON(history));
      console.log(`recorded ${name}: ${history.events?.length ?? 0} events`);
    }
  } finally {
    await server.stop();
    worker.shutdown();
    await running;
    await connection.close();
    await pool.end();
    redis.disconnect();
    await stack.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
