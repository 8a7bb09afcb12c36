import { createHmac, randomUUID } from 'node:crypto';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { temporal as proto } from '@temporalio/proto';
import { DeterminismViolationError } from '@temporalio/workflow';
import { Worker, NativeConnection } from '@temporalio/worker';
import type { Redis } from 'ioredis';
import type { Pool } from 'pg';
import { adoptUnversionedRuns, LAST_UNVERSIONED_RELEASE } from '../../scripts/lib/adopt-unversioned-runs';
import { bundleFromGit } from '../../scripts/lib/build-from-git';
import { cancelOpenWorkflows } from '../../scripts/lib/temporal-cleanup';
import { startServer, type RunningServer } from '../../src/api/server';
import type { Config } from '../../src/config';
import { createPool } from '../../src/db/pool';
import { listBuilds } from '../../src/deployments/build-registry';
import { retireDrainedBuilds } from '../../src/deployments/retire-builds';
import type { ReservationInput } from '../../src/domain/reservation';
import { createSimulatedProvider } from '../../src/payments/simulated-provider';
import { createRedis } from '../../src/shared/clients';
import { offerSettingsOf } from '../../src/workers/create-worker';
import { startFleet, type Fleet } from '../../src/workers/fleet';
import { createWorkerActivities } from '../../src/workers/worker-activities';
import { buildIdOf, bundleWorkflows, type WorkflowBuild } from '../../src/workers/workflow-bundle';
import { holdUpdate } from '../../src/workflows/definitions';
import { reservationWorkflowId } from '../../src/workflows/ids';
import { paymentsOf } from '../support/db-queries';
import { quietTemporalRuntime, testConfig, testTicketKeys, workflowBundle } from '../support/env';
import { httpClient, type HttpClient } from '../support/http';
import { adminToken, createEventViaApi, registerBuyer, type Buyer } from '../support/scenario';

quietTemporalRuntime();

/*
 * An operator upgrades a running stack while holds are open (docs/upgrades.md): the worker of build N
 * stops, a worker of build N+1 starts — whose reservation workflow differs in a way that breaks replay
 * of N's histories — and every hold made on N still ends as it should, on N's code.
 */
const IDLE_HOLD_SECONDS = 10;

interface Running {
  fleet: Fleet;
  running: Promise<void>;
  subscriber: Redis;
}

describe('upgrading the worker while holds are open', () => {
  let config: Config;
  let pool: Pool;
  let redis: Redis;
  let connection: NativeConnection;
  let clientConnection: Connection;
  let client: Client;
  let server: RunningServer;
  let api: HttpClient;
  const fleets: Running[] = [];

  async function start(build: WorkflowBuild, cfg: Config = config): Promise<Running> {
    const subscriber = redis.duplicate();
    const fleet = await startFleet({
      config: cfg,
      connection,
      client,
      pool,
      subscriber,
      activities: createWorkerActivities({
        pool,
        redis,
        payments: createSimulatedProvider(redis, { slowMs: 3000 }),
        ticketKeys: testTicketKeys(),
        temporal: client,
        offerSettings: offerSettingsOf(cfg),
      }),
      build,
      log: () => undefined,
    });
    const started = { fleet, running: fleet.run(), subscriber };
    fleets.push(started);
    await fleet.ready;
    return started;
  }

  async function stop(r: Running): Promise<void> {
    r.fleet.shutdown();
    await r.running;
    r.subscriber.disconnect();
  }

  beforeAll(async () => {
    config = testConfig({ PAYMENT_GRACE_SECONDS: '5', WORKER_DEPLOYMENT_NAME: `upgrade-${randomUUID()}` });
    pool = createPool(config);
    redis = createRedis(config);
    connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
    clientConnection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
    client = new Client({ connection: clientConnection, namespace: config.TEMPORAL_NAMESPACE });
    server = await startServer({ config, port: 0, log: () => undefined });
    api = httpClient(server.url);
  });

  afterAll(async () => {
    for (const r of fleets) await stop(r).catch(() => undefined);
    await cancelOpenWorkflows(config.TEMPORAL_ADDRESS, config.TEMPORAL_NAMESPACE, config.TEMPORAL_TASK_QUEUE).catch(() => 0);
    await server?.stop();
    await connection?.close();
    await clientConnection?.close();
    await pool?.end();
    redis?.disconnect();
  });

  test('every hold made on build N is released on time, paid or sold by its webhook on N; new holds run on N+1; N retires once drained', async () => {
    const buildN: WorkflowBuild = { code: workflowBundle().code, buildId: buildIdOf(workflowBundle().code) };
    const buildN1 = await bundleWorkflows({ workflowsPath: require.resolve('../replay/fixtures/nondeterministic-workflows') });
    expect(buildN1.buildId).not.toBe(buildN.buildId);

    const n = await start(buildN);
    const admin = await adminToken(api, pool);
    const event = await createEventViaApi(api, admin, { rows: 1, seatsPerRow: 6, gaCapacity: 10 });
    const hold = async (body: Record<string, unknown>) => {
      const buyer = await registerBuyer(api);
      const res = await api.post('/api/v1/reservations', { event_id: event.eventId, ...body }, { token: buyer.token });
      expect(res.status).toBe(201);
      return { buyer, id: res.body.reservation_id as string, total: res.body.total_price_cents as number, heldUntil: Date.parse(res.body.held_until) };
    };
    // Idle holds of both kinds, due after the upgrade.
    const idle = [
      ...(await Promise.all(event.seatIds.slice(0, 3).map((seat) => hold({ seat_ids: [seat], hold_duration_seconds: IDLE_HOLD_SECONDS })))),
      ...(await Promise.all([1, 2].map(() => hold({ ga: [{ section_id: event.gaSectionId, quantity: 1 }], hold_duration_seconds: IDLE_HOLD_SECONDS })))),
    ];
    const paying = await hold({ seat_ids: [event.seatIds[3]], hold_duration_seconds: 60 });
    const byWebhook = await hold({ ga: [{ section_id: event.gaSectionId, quantity: 2 }], hold_duration_seconds: 60 });

    // A payment under way (the slow card takes 3 s) when build N's worker is stopped.
    const confirmed = api.post(`/api/v1/reservations/${paying.id}/confirm`, { payment_method_id: 'pm_card_slow' }, { token: paying.buyer.token });
    await waitFor(async () => (await api.get(`/api/v1/reservations/${paying.id}`, { token: paying.buyer.token })).body.status === 'PAYMENT_PENDING');
    await stop(n);

    // While no worker runs: the provider's webhook for the other hold arrives (its signal waits in the history).
    const paymentId = `pay_${randomUUID()}`;
    expect((await webhook(api, config, { reservation_id: byWebhook.id, payment_id: paymentId, status: 'succeeded', amount_cents: byWebhook.total })).status).toBe(202);

    // Build N+1 starts: it becomes current and serves N's runs until they drain.
    const n1 = await start(buildN1);
    expect(n1.fleet.draining()).toEqual([buildN.buildId]);
    const after = await hold({ seat_ids: [event.seatIds[4]], hold_duration_seconds: 60 });

    expect((await confirmed).body).toMatchObject({ status: 'CONFIRMED' });
    const handleOf = (id: string): WorkflowHandle => client.workflow.getHandle(reservationWorkflowId(id));
    const outcomes = await Promise.all(idle.map((h) => handleOf(h.id).result()));
    expect(outcomes.map((o) => o.status)).toEqual(idle.map(() => 'EXPIRED'));
    expect(await handleOf(paying.id).result()).toMatchObject({ status: 'CONFIRMED' });
    expect(await handleOf(byWebhook.id).result()).toMatchObject({ status: 'CONFIRMED' });

    // On time: released right after held_until (the draining Worker was up long before the deadlines).
    const { rows } = await pool.query<{ id: string; lag_ms: number }>(
      `SELECT id, extract(epoch FROM released_at - held_until) * 1000 AS lag_ms FROM reservations WHERE id = ANY($1)`,
      [idle.map((h) => h.id)],
    );
    expect(rows).toHaveLength(idle.length);
    for (const row of rows) {
      expect(Number(row.lag_ms)).toBeGreaterThanOrEqual(0);
      expect(Number(row.lag_ms)).toBeLessThan(5000);
    }
    // Charged once each, nothing refunded, nothing left held.
    expect(await paymentsOf(pool, paying.id)).toEqual([{ status: 'SUCCEEDED', amount_cents: paying.total }]);
    expect(await paymentsOf(pool, byWebhook.id)).toEqual([{ status: 'SUCCEEDED', amount_cents: byWebhook.total }]);

    // Every task of N's runs was completed by build N; the hold made after the switch ran on N+1 (its
    // history starts with the changed code's timer).
    for (const h of [...idle, paying, byWebhook]) expect(await buildsThatRan(handleOf(h.id))).toEqual([buildN.buildId]);
    expect(await buildsThatRan(handleOf(after.id))).toEqual([buildN1.buildId]);
    const afterHistory = await handleOf(after.id).fetchHistory();
    expect(afterHistory.events?.some((e) => e.eventType === proto.api.enums.v1.EventType.EVENT_TYPE_TIMER_STARTED)).toBe(true);

    // Without versioning, N+1 would have been handed N's runs: it cannot replay them.
    const nHistory = await handleOf(idle[0]!.id).fetchHistory();
    await expect(Worker.runReplayHistory({ workflowBundle: { code: buildN1.code } }, nHistory, 'n-on-n1')).rejects.toBeInstanceOf(DeterminismViolationError);

    // Drained: N retires, its bundle leaves the registry and N+1's process stops N's Worker.
    const report = await retireDrainedBuilds({ pool, redis, ref: { client, namespace: config.TEMPORAL_NAMESPACE, deploymentName: config.WORKER_DEPLOYMENT_NAME }, graceMs: 0 });
    expect(report).toMatchObject({ current: buildN1.buildId, retired: [buildN.buildId] });
    await waitFor(async () => n1.fleet.draining().length === 0);
    const builds = await listBuilds(pool, config.WORKER_DEPLOYMENT_NAME);
    expect(builds.map((b) => [b.buildId, b.retiredAt !== null])).toEqual([[buildN.buildId, true], [buildN1.buildId, false]]);
    await api.delete(`/api/v1/reservations/${after.id}`, { token: after.buyer.token });
  }, 120_000);

  test('a hold started before Worker Versioning (the last unversioned release) finishes on that release’s code after the upgrade', async () => {
    const cfg = testConfig({ PAYMENT_GRACE_SECONDS: '5', WORKER_DEPLOYMENT_NAME: `upgrade-legacy-${randomUUID()}` });
    const legacy = await bundleFromGit(LAST_UNVERSIONED_RELEASE);
    const activities = createWorkerActivities({ pool, redis, payments: createSimulatedProvider(redis), ticketKeys: testTicketKeys(), temporal: client, offerSettings: offerSettingsOf(cfg) });
    const old = await Worker.create({ connection, namespace: cfg.TEMPORAL_NAMESPACE, taskQueue: cfg.TEMPORAL_TASK_QUEUE, workflowBundle: { code: legacy.code }, activities });
    const oldRun = old.run();

    const admin = await adminToken(api, pool);
    const event = await createEventViaApi(api, admin, { rows: 1, seatsPerRow: 2 });
    const buyer: Buyer = await registerBuyer(api);
    const input: ReservationInput = {
      reservationId: randomUUID(), eventId: event.eventId, userId: buyer.id, seatIds: [event.seatIds[0]!], ga: [],
      holdSeconds: IDLE_HOLD_SECONDS, extensionSeconds: IDLE_HOLD_SECONDS, maxExtensions: 1, paymentGraceSeconds: 5, maxPaymentAttempts: 3,
      idempotencyKey: null, requestHash: null,
    };
    // As the previous release's API started them: its type name, no build.
    const handle = await client.workflow.start('reservationWorkflowV3', { workflowId: reservationWorkflowId(input.reservationId), taskQueue: cfg.TEMPORAL_TASK_QUEUE, args: [input] });
    const held = await handle.executeUpdate(holdUpdate, { args: [{ requestId: randomUUID() }] });
    expect(held.reservation.status).toBe('HELD');
    old.shutdown();
    await oldRun;

    // The new release starts: it finds the open run, makes the old code a build that adopts it, and the
    // worker pins the run there before making its own build current.
    const adopted = await adoptUnversionedRuns({ client, pool, namespace: cfg.TEMPORAL_NAMESPACE, taskQueue: cfg.TEMPORAL_TASK_QUEUE, deploymentName: cfg.WORKER_DEPLOYMENT_NAME, log: () => undefined });
    expect(adopted).toBe(`pre-versioning-${LAST_UNVERSIONED_RELEASE.slice(0, 8)}`);
    const current: WorkflowBuild = { code: workflowBundle().code, buildId: buildIdOf(workflowBundle().code) };
    const fleet = await start(current, cfg);
    expect(fleet.fleet.draining()).toEqual([adopted]);

    expect(await handle.result()).toMatchObject({ status: 'EXPIRED', releaseReason: 'HOLD_EXPIRED' });
    expect(await buildsThatRan(handle)).toEqual([adopted]);
    const { rows } = await pool.query<{ lag_ms: number }>(`SELECT extract(epoch FROM released_at - held_until) * 1000 AS lag_ms FROM reservations WHERE id = $1`, [input.reservationId]);
    expect(Number(rows[0]!.lag_ms)).toBeGreaterThanOrEqual(0);
    expect(Number(rows[0]!.lag_ms)).toBeLessThan(5000);

    // A new hold (started as the API starts them) runs on the new build.
    const next = { ...input, reservationId: randomUUID(), seatIds: [event.seatIds[1]!] };
    const nextHandle = await client.workflow.start('reservationWorkflow', { workflowId: reservationWorkflowId(next.reservationId), taskQueue: cfg.TEMPORAL_TASK_QUEUE, args: [next] });
    expect((await nextHandle.executeUpdate(holdUpdate, { args: [{ requestId: randomUUID() }] })).reservation.status).toBe('HELD');
    expect(await buildsThatRan(nextHandle)).toEqual([current.buildId]);
    await nextHandle.cancel();
    await nextHandle.result().catch(() => undefined);
    await stop(fleet);
  }, 120_000);
});

/** The builds that completed the run's workflow tasks (versioned tasks only). */
async function buildsThatRan(handle: WorkflowHandle): Promise<string[]> {
  const history = await handle.fetchHistory();
  const builds = new Set<string>();
  for (const event of history.events ?? []) {
    const completed = event.workflowTaskCompletedEventAttributes;
    const buildId = completed?.deploymentVersion?.buildId;
    if (buildId) builds.add(buildId);
  }
  return [...builds];
}

function webhook(api: HttpClient, config: Config, body: Record<string, unknown>) {
  const raw = JSON.stringify(body);
  return api.post('/api/v1/payments/webhook', undefined, { raw, headers: { 'x-signature': createHmac('sha256', config.PAYMENT_WEBHOOK_SECRET).update(raw).digest('hex') } });
}

async function waitFor(check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
