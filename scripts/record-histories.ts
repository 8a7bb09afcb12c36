/**
 * `npm run record-histories`: runs each workflow scenario for real — HTTP API, worker under Worker
 * Versioning, Temporal dev server, PostgreSQL, Redis — and saves each workflow's event history as JSON
 * under test/replay/histories/current/. The replay test proves this code replays them, and that the
 * previous release's (histories/previous/) replay on the build each of its runs finishes on.
 *
 * Histories are evidence of what ran: they are recorded, never edited. A workflow change re-records
 * current/ (`-- name …` records only the named scenarios); shipping a release that changed workflow code
 * first moves the recordings of the release before it out of the way: `-- --rotate` makes current/ the
 * new previous/ (release.json names the commit that recorded them) and the old previous/ leaves the tree
 * (git keeps it). See docs/upgrades.md.
 */
import { execFileSync } from 'node:child_process';
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { NativeConnection } from '@temporalio/worker';
import type { Pool } from 'pg';
import { startServer } from '../src/api/server';
import { reservationIdFor } from '../src/inventory/reservation-ids';
import { loadConfig } from '../src/config';
import { createPool } from '../src/db/pool';
import { eventFacts } from '../src/email/email-facts';
import { mailSettingsOf } from '../src/email/mail-settings';
import { enqueueEmail } from '../src/email/outbox';
import { holdInventory } from '../src/inventory/hold';
import type { PaymentProvider } from '../src/payments/provider';
import { createSimulatedProvider } from '../src/payments/simulated-provider';
import { createRedis, createTemporalClient } from '../src/shared/clients';
import { ticketKeysFromConfig } from '../src/tickets/ticket-keys';
import { offerSettingsOf } from '../src/workers/create-worker';
import { startFleet } from '../src/workers/fleet';
import { createWorkerActivities } from '../src/workers/worker-activities';
import { bundleWorkflows } from '../src/workers/workflow-bundle';
import { cancelEventWorkflowId, emailWorkflowId, latePaymentWorkflowId, onSaleWorkflowId, pricingWorkflowId, refundOrderWorkflowId, reservationWorkflowId, resaleListingWorkflowId } from '../src/workflows/ids';
import { httpClient, type HttpClient } from '../test/support/http';
import { adminToken, createEventViaApi, registerBuyer, type ApiEvent, type Buyer } from '../test/support/scenario';
import { ensureStack } from './lib/stack';
import { REPO_ROOT } from './lib/processes';

const HISTORIES = join(REPO_ROOT, 'test', 'replay', 'histories');

interface Context {
  api: HttpClient;
  /** An admin's bearer token. */
  admin: string;
  event: ApiEvent;
  secret: string;
  pool: Pool;
  /** Runs inside the processor's charge of the given reservation (to stage what happens meanwhile). */
  duringCharge: Map<string, () => Promise<void>>;
  cancelWorkflow(workflowId: string): Promise<void>;
  /** Starts a workflow the way its Schedule does (no arguments, this worker's task queue); answers its id. */
  startScheduled(workflowType: string): Promise<string>;
}

/** A scenario returns the id of the workflow whose history it recorded. */
type Scenario = (ctx: Context) => Promise<string>;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function hold(ctx: Context, buyer: Buyer, body: Record<string, unknown>): Promise<{ id: string; total: number }> {
  const held = await ctx.api.post('/api/v1/reservations', { event_id: ctx.event.eventId, ...body }, { token: buyer.token });
  if (held.status !== 201) throw new Error(`hold failed: ${held.status} ${JSON.stringify(held.body)}`);
  return { id: held.body.reservation_id, total: held.body.total_price_cents };
}

function confirm(ctx: Context, buyer: Buyer, id: string, method: string) {
  return ctx.api.post(`/api/v1/reservations/${id}/confirm`, { payment_method_id: method }, { token: buyer.token });
}

function webhook(ctx: Context, body: Record<string, unknown>) {
  const raw = JSON.stringify(body);
  return ctx.api.post('/api/v1/payments/webhook', undefined, { raw, headers: { 'x-signature': createHmac('sha256', ctx.secret).update(raw).digest('hex') } });
}

function expectStatus(res: { status: number; body: unknown }, status: number): void {
  if (res.status !== status) throw new Error(`expected ${status}, got ${res.status} ${JSON.stringify(res.body)}`);
}

/** Polls a fan's place in the waiting room until they are admitted; returns the queue token. */
async function admitted(ctx: Context, buyer: Buyer, eventId: string): Promise<string> {
  for (let i = 0; i < 300; i++) {
    const res = await ctx.api.get(`/api/v1/queue/${eventId}/status`, { token: buyer.token });
    if (res.body?.state === 'ADMITTED') return res.body.queue_token as string;
    await sleep(200);
  }
  throw new Error('never admitted');
}

const scenarios: Record<string, Scenario> = {
  // The on-sale of a high-demand event with one ticket: two fans join, the first is admitted and buys
  // it, the room reads SOLD_OUT with the second still waiting (a refund could bring the ticket back),
  // and the sale closes as the event starts, about 40 s after it was created.
  'on-sale-sold-out': async (ctx) => {
    const event = await createEventViaApi(ctx.api, ctx.admin, {
      gaCapacity: 1,
      event: { high_demand: true, starts_at: new Date(Date.now() + 40_000).toISOString() },
    });
    const first = await registerBuyer(ctx.api);
    const second = await registerBuyer(ctx.api);
    expectStatus(await ctx.api.post(`/api/v1/queue/${event.eventId}/join`, undefined, { token: first.token }), 200);
    expectStatus(await ctx.api.post(`/api/v1/queue/${event.eventId}/join`, undefined, { token: second.token }), 200);
    const token = await admitted(ctx, first, event.eventId);
    const held = await ctx.api.post('/api/v1/reservations', { event_id: event.eventId, ga: [{ section_id: event.gaSectionId, quantity: 1 }] }, { token: first.token, headers: { 'X-Queue-Token': token } });
    expectStatus(held, 201);
    expectStatus(await confirm(ctx, first, held.body.reservation_id, 'pm_card_visa'), 200);
    return onSaleWorkflowId(event.eventId);
  },
  // The prices of a DEMAND event for its whole (short) sale: three of four seats held, the first period
  // (a minute) raises the seated price, no period ends before the start, and the loop ends as the event
  // starts, about 100 s after it was created.
  'demand-pricing': async (ctx) => {
    const event = await createEventViaApi(ctx.api, ctx.admin, {
      rows: 1,
      seatsPerRow: 4,
      gaCapacity: 10,
      event: { starts_at: new Date(Date.now() + 100_000).toISOString(), pricing: { mode: 'DEMAND', period_seconds: 60, max_step_percent: 10 } },
    });
    const buyer = await registerBuyer(ctx.api);
    expectStatus(await ctx.api.post('/api/v1/reservations', { event_id: event.eventId, seat_ids: event.seatIds.slice(0, 3) }, { token: buyer.token }), 201);
    return pricingWorkflowId(event.eventId);
  },
  'paid-in-time': async (ctx) => {
    const buyer = await registerBuyer(ctx.api);
    const { id } = await hold(ctx, buyer, { seat_ids: [ctx.event.seatIds[0]], ga: [{ section_id: ctx.event.gaSectionId, quantity: 1 }] });
    expectStatus(await confirm(ctx, buyer, id, 'pm_card_visa'), 200);
    return reservationWorkflowId(id);
  },
  'expired-unpaid': async (ctx) => {
    const buyer = await registerBuyer(ctx.api);
    const { id } = await hold(ctx, buyer, { seat_ids: [ctx.event.seatIds[1]], hold_duration_seconds: 1 });
    await sleep(2500);
    return reservationWorkflowId(id);
  },
  'extended-then-cancelled': async (ctx) => {
    const buyer = await registerBuyer(ctx.api);
    const { id } = await hold(ctx, buyer, { seat_ids: [ctx.event.seatIds[2]] });
    expectStatus(await ctx.api.post(`/api/v1/reservations/${id}/extend`, undefined, { token: buyer.token }), 200);
    expectStatus(await ctx.api.post(`/api/v1/reservations/${id}/extend`, undefined, { token: buyer.token }), 409);
    expectStatus(await ctx.api.delete(`/api/v1/reservations/${id}`, { token: buyer.token }), 200);
    return reservationWorkflowId(id);
  },
  'declined-three-times': async (ctx) => {
    const buyer = await registerBuyer(ctx.api);
    const { id } = await hold(ctx, buyer, { ga: [{ section_id: ctx.event.gaSectionId, quantity: 2 }] });
    for (let i = 0; i < 3; i++) expectStatus(await confirm(ctx, buyer, id, 'pm_card_declined'), 402);
    return reservationWorkflowId(id);
  },
  'flaky-processor-then-paid': async (ctx) => {
    const buyer = await registerBuyer(ctx.api);
    const { id } = await hold(ctx, buyer, { seat_ids: [ctx.event.seatIds[3]] });
    expectStatus(await confirm(ctx, buyer, id, 'pm_card_error'), 200);
    return reservationWorkflowId(id);
  },
  'rejected-seat-taken': async (ctx) => {
    const buyer = await registerBuyer(ctx.api);
    const key = `rejected-${randomUUID()}`;
    const rejected = await ctx.api.post('/api/v1/reservations', { event_id: ctx.event.eventId, seat_ids: [ctx.event.seatIds[0]] }, { token: buyer.token, headers: { 'X-Idempotency-Key': key } });
    expectStatus(rejected, 409);
    // A refusal has no reservation to show, but the key names its workflow all the same.
    return reservationWorkflowId(reservationIdFor(buyer.id, key));
  },
  'paid-by-webhook': async (ctx) => {
    const buyer = await registerBuyer(ctx.api);
    const { id, total } = await hold(ctx, buyer, { seat_ids: [ctx.event.seatIds[4]] });
    expectStatus(await webhook(ctx, { reservation_id: id, payment_id: `pay_${id}`, status: 'succeeded', amount_cents: total }), 202);
    await sleep(1500);
    return reservationWorkflowId(id);
  },
  'confirm-503-then-paid': async (ctx) => {
    const buyer = await registerBuyer(ctx.api);
    const { id } = await hold(ctx, buyer, { ga: [{ section_id: ctx.event.gaSectionId, quantity: 1 }] });
    expectStatus(await confirm(ctx, buyer, id, 'pm_card_unreachable'), 503);
    expectStatus(await confirm(ctx, buyer, id, 'pm_card_visa'), 200);
    return reservationWorkflowId(id);
  },
  'hold-lost-and-refunded': async (ctx) => {
    const buyer = await registerBuyer(ctx.api);
    const rival = await registerBuyer(ctx.api);
    const { id } = await hold(ctx, buyer, { seat_ids: [ctx.event.seatIds[5]] });
    // The payment outlasts the hold and its grace; meanwhile a rival takes the lapsed seat.
    ctx.duringCharge.set(id, async () => {
      await ctx.pool.query(`UPDATE seats SET held_until = now() - interval '1 second' WHERE reservation_id = $1`, [id]);
      await holdInventory(ctx.pool, {
        reservationId: randomUUID(), eventId: ctx.event.eventId, userId: rival.id, seatIds: [ctx.event.seatIds[5]!], ga: [],
        heldUntil: new Date(Date.now() + 60_000), maxExtensions: 0, idempotencyKey: null,
      });
    });
    expectStatus(await confirm(ctx, buyer, id, 'pm_card_visa'), 409);
    return reservationWorkflowId(id);
  },
  'webhook-refund': async (ctx) => {
    const buyer = await registerBuyer(ctx.api);
    const { id, total } = await hold(ctx, buyer, { ga: [{ section_id: ctx.event.gaSectionId, quantity: 1 }] });
    // Money that does not match the reservation cannot pay for it: refunded, the hold stays.
    expectStatus(await webhook(ctx, { reservation_id: id, payment_id: `pay_${id}`, status: 'succeeded', amount_cents: total - 1 }), 202);
    await sleep(1500);
    expectStatus(await ctx.api.delete(`/api/v1/reservations/${id}`, { token: buyer.token }), 200);
    return reservationWorkflowId(id);
  },
  'duplicate-webhook': async (ctx) => {
    const buyer = await registerBuyer(ctx.api);
    const { id, total } = await hold(ctx, buyer, { ga: [{ section_id: ctx.event.gaSectionId, quantity: 2 }] });
    const body = { reservation_id: id, payment_id: `pay_${id}`, status: 'succeeded', amount_cents: total };
    await Promise.all([webhook(ctx, body), webhook(ctx, body)]);
    await sleep(1500);
    expectStatus(await webhook(ctx, body), 202);
    return reservationWorkflowId(id);
  },
  'late-payment': async (ctx) => {
    const buyer = await registerBuyer(ctx.api);
    const { id, total } = await hold(ctx, buyer, { ga: [{ section_id: ctx.event.gaSectionId, quantity: 1 }] });
    expectStatus(await ctx.api.delete(`/api/v1/reservations/${id}`, { token: buyer.token }), 200);
    await sleep(500);
    const paymentId = `pay_${id}`;
    expectStatus(await webhook(ctx, { reservation_id: id, payment_id: paymentId, status: 'succeeded', amount_cents: total }), 202);
    return latePaymentWorkflowId(paymentId);
  },
  'operator-cancel': async (ctx) => {
    const buyer = await registerBuyer(ctx.api);
    const { id } = await hold(ctx, buyer, { ga: [{ section_id: ctx.event.gaSectionId, quantity: 1 }] });
    await ctx.cancelWorkflow(reservationWorkflowId(id));
    return reservationWorkflowId(id);
  },
  'refund-order': async (ctx) => {
    const buyer = await registerBuyer(ctx.api);
    const { id } = await hold(ctx, buyer, { ga: [{ section_id: ctx.event.gaSectionId, quantity: 2 }] });
    const paid = await confirm(ctx, buyer, id, 'pm_card_visa');
    expectStatus(paid, 200);
    expectStatus(await ctx.api.post(`/api/v1/orders/${paid.body.order_id}/refund`, undefined, { token: ctx.admin }), 200);
    return refundOrderWorkflowId(paid.body.order_id);
  },
  // The confirmation email of a paid order, sent through the mail catcher after the sale's commit.
  'email-order-confirmed': async (ctx) => {
    const buyer = await registerBuyer(ctx.api);
    const { id } = await hold(ctx, buyer, { ga: [{ section_id: ctx.event.gaSectionId, quantity: 1 }] });
    const paid = await confirm(ctx, buyer, id, 'pm_card_visa');
    expectStatus(paid, 200);
    // Started just after the sale's commit, without the sale waiting for it.
    await sleep(1500);
    return emailWorkflowId({ kind: 'ORDER_CONFIRMED', businessId: paid.body.order_id });
  },
  'cancel-event': async (ctx) => {
    const event = await createEventViaApi(ctx.api, ctx.admin, { rows: 1, seatsPerRow: 4, gaCapacity: 10 });
    const [paying, holding] = [await registerBuyer(ctx.api), await registerBuyer(ctx.api)];
    const paid = await ctx.api.post('/api/v1/reservations', { event_id: event.eventId, seat_ids: [event.seatIds[0]] }, { token: paying.token });
    expectStatus(await confirm(ctx, paying, paid.body.reservation_id, 'pm_card_visa'), 200);
    expectStatus(await ctx.api.post('/api/v1/reservations', { event_id: event.eventId, ga: [{ section_id: event.gaSectionId, quantity: 2 }] }, { token: holding.token }), 201);
    expectStatus(await ctx.api.post(`/api/v1/admin/events/${event.eventId}/cancel`, { reason: 'recording' }, { token: ctx.admin }), 202);
    return cancelEventWorkflowId(event.eventId);
  },
  reconciliation: async (ctx) => {
    const started = await ctx.api.post('/api/v1/admin/reconciliation', { event_id: ctx.event.eventId }, { token: ctx.admin });
    expectStatus(started, 202);
    return started.body.workflow_id as string;
  },
  // A resale listing (AUTO_UPGRADE): a GA place listed; one buyer's card is declined (the listing stays
  // listed), another buyer pays; the seller's ticket is RESOLD and the seller paid out.
  'resale-listing-sold': async (ctx) => {
    const event = await createEventViaApi(ctx.api, ctx.admin, { gaCapacity: 4, event: { resale: { max_price_percent: 100, fee_percent: 10 } } });
    const [seller, declined, buyer] = [await registerBuyer(ctx.api), await registerBuyer(ctx.api), await registerBuyer(ctx.api)];
    const held = await ctx.api.post('/api/v1/reservations', { event_id: event.eventId, ga: [{ section_id: event.gaSectionId, quantity: 1 }] }, { token: seller.token });
    expectStatus(held, 201);
    const paid = await confirm(ctx, seller, held.body.reservation_id, 'pm_card_visa');
    expectStatus(paid, 200);
    const listed = await ctx.api.post(`/api/v1/tickets/${paid.body.tickets[0].ticket_id}/resale`, { price_cents: 4500 }, { token: seller.token });
    expectStatus(listed, 201);
    const purchase = (who: Buyer, card: string) => ctx.api.post(`/api/v1/resale/${listed.body.listing_id}/purchase`, { payment_method_id: card }, { token: who.token });
    expectStatus(await purchase(declined, 'pm_card_declined'), 402);
    expectStatus(await purchase(buyer, 'pm_card_visa'), 200);
    return resaleListingWorkflowId(listed.body.listing_id);
  },
  // A resale listing withdrawn by its seller.
  'resale-listing-withdrawn': async (ctx) => {
    const seller = await registerBuyer(ctx.api);
    const { id } = await hold(ctx, seller, { ga: [{ section_id: ctx.event.gaSectionId, quantity: 1 }] });
    const paid = await confirm(ctx, seller, id, 'pm_card_visa');
    expectStatus(paid, 200);
    const listed = await ctx.api.post(`/api/v1/tickets/${paid.body.tickets[0].ticket_id}/resale`, { price_cents: 1000 }, { token: seller.token });
    expectStatus(listed, 201);
    expectStatus(await ctx.api.delete(`/api/v1/resale/${listed.body.listing_id}`, { token: seller.token }), 200);
    return resaleListingWorkflowId(listed.body.listing_id);
  },
  // The Schedule-started workflows: the email sweep (an email whose delivery never started) and build retirement.
  'email-sweep': async (ctx) => {
    const fan = await registerBuyer(ctx.api);
    // An email committed outside any action's scope, so nobody started its delivery (as if the process had
    // died after the commit), and older than the sweep's grace.
    const businessId = `${ctx.event.eventId}:${fan.id}`;
    await enqueueEmail(ctx.pool, { kind: 'EVENT_CANCELLED', businessId, to: { email: fan.email, name: 'Swept' }, data: { event: await eventFacts(ctx.pool, ctx.event.eventId), ticketCount: 1 } });
    await ctx.pool.query(`UPDATE email_outbox SET created_at = now() - interval '1 day' WHERE kind = 'EVENT_CANCELLED' AND business_id = $1`, [businessId]);
    return ctx.startScheduled('emailSweepWorkflow');
  },
  'retire-builds': (ctx) => ctx.startScheduled('retireBuildsWorkflow'),
  'operator-cancel-during-payment': async (ctx) => {
    const buyer = await registerBuyer(ctx.api);
    const { id } = await hold(ctx, buyer, { ga: [{ section_id: ctx.event.gaSectionId, quantity: 1 }] });
    const paying = confirm(ctx, buyer, id, 'pm_card_slow');
    await sleep(1000);
    await ctx.cancelWorkflow(reservationWorkflowId(id));
    expectStatus(await paying, 200);
    return reservationWorkflowId(id);
  },
};

/** current/ becomes previous/, named by the commit that recorded it; the release before that leaves the tree. */
function rotate(): void {
  const current = join(HISTORIES, 'current');
  const commit = execFileSync('git', ['log', '-1', '--format=%H', '--', current], { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
  if (!commit) throw new Error('test/replay/histories/current/ is not committed: commit the recordings of the release first');
  rmSync(join(HISTORIES, 'previous'), { recursive: true, force: true });
  renameSync(current, join(HISTORIES, 'previous'));
  const release = { commit, recorded: new Date().toISOString().slice(0, 10), how: 'npm run record-histories, on the commit named here' };
  writeFileSync(join(HISTORIES, 'previous', 'release.json'), `${JSON.stringify(release, null, 2)}\n`);
  console.log(`previous/ now holds the recordings of ${commit.slice(0, 7)}; record this code with \`npm run record-histories\``);
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({ options: { rotate: { type: 'boolean', default: false }, folder: { type: 'string', default: 'current' } }, allowPositionals: true });
  if (values.rotate) return rotate();
  const outDir = join(HISTORIES, values.folder);
  const todo = positionals.length > 0 ? positionals : Object.keys(scenarios);
  for (const name of todo) if (!scenarios[name]) throw new Error(`unknown scenario ${name}; known: ${Object.keys(scenarios).join(', ')}`);
  // A full recording replaces the folder: every file in it comes from this run of this code.
  if (positionals.length === 0 && existsSync(outDir)) for (const file of readdirSync(outDir)) rmSync(join(outDir, file));

  const stack = await ensureStack({ dataDir: join(REPO_ROOT, '.data'), database: 'tickets_test' });
  const runId = Date.now();
  const config = loadConfig({
    ...process.env,
    DATABASE_URL: stack.databaseUrl,
    REDIS_URL: stack.redisUrl,
    TEMPORAL_ADDRESS: stack.temporalAddress,
    TEMPORAL_TASK_QUEUE: `record-histories-${runId}`,
    WORKER_DEPLOYMENT_NAME: `record-histories-${runId}`,
    PAYMENT_GRACE_SECONDS: '5',
    CANCEL_EVENT_STRAGGLER_SECONDS: '1',
    // This run's own: the recorded webhooks are signed with it, and no history carries a usable secret.
    PAYMENT_WEBHOOK_SECRET: randomBytes(32).toString('hex'),
    QUEUE_TOKEN_SECRET: randomBytes(32).toString('hex'),
    ...(stack.mail ? { SMTP_URL: stack.mail.smtpUrl } : {}),
  });
  const pool = createPool(config);
  const redis = createRedis(config);
  const subscriber = redis.duplicate();
  const duringCharge = new Map<string, () => Promise<void>>();
  const simulated = createSimulatedProvider(redis);
  const payments: PaymentProvider = {
    ...simulated,
    async charge(request) {
      const staged = duringCharge.get(request.idempotencyKey.split(':')[0] ?? '');
      if (staged) await staged();
      return simulated.charge(request);
    },
  };
  const temporal = createTemporalClient(config);
  const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
  // The production worker's way: a build under Worker Versioning, so each history says how its run is versioned.
  const fleet = await startFleet({
    config,
    connection,
    client: temporal.client,
    pool,
    subscriber,
    activities: createWorkerActivities({
      pool,
      redis,
      payments,
      ticketKeys: ticketKeysFromConfig(config),
      temporal: temporal.client,
      offerSettings: offerSettingsOf(config),
      mail: mailSettingsOf(config),
      // A day's grace: the recording reports this run's builds and retires none.
      deployment: { namespace: config.TEMPORAL_NAMESPACE, deploymentName: config.WORKER_DEPLOYMENT_NAME, retireAfterMs: 86_400_000 },
    }),
    build: await bundleWorkflows(),
    log: (line) => console.log(`worker: ${line}`),
  });
  const running = fleet.run();
  await fleet.ready;
  const server = await startServer({ config, port: 0 });
  try {
    const api = httpClient(server.url);
    const admin = await adminToken(api, pool);
    const event = await createEventViaApi(api, admin, { rows: 1, seatsPerRow: 6, gaCapacity: 20, event: { max_hold_extensions: 1 } });
    const cancelWorkflow = (workflowId: string) => server.deps.temporal.workflow.getHandle(workflowId).cancel().then(() => undefined);
    const startScheduled = async (workflowType: string) => {
      const workflowId = `${workflowType}-recorded-${randomUUID()}`;
      await server.deps.temporal.workflow.start(workflowType, { workflowId, taskQueue: config.TEMPORAL_TASK_QUEUE, args: [] });
      return workflowId;
    };
    const ctx: Context = { api, admin, event, secret: config.PAYMENT_WEBHOOK_SECRET, pool, duringCharge, cancelWorkflow, startScheduled };
    mkdirSync(outDir, { recursive: true });
    for (const name of todo) {
      const workflowId = await scenarios[name]!(ctx);
      const handle = server.deps.temporal.workflow.getHandle(workflowId);
      await handle.result().catch(() => undefined);
      const history = await handle.fetchHistory();
      writeFileSync(join(outDir, `${name}.json`), historyToJSON(history));
      console.log(`recorded ${values.folder}/${name}: ${history.events?.length ?? 0} events`);
    }
  } finally {
    await server.stop();
    fleet.shutdown();
    await running;
    await connection.close();
    subscriber.disconnect();
    await temporal.connection.close();
    await pool.end();
    redis.disconnect();
    await stack.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
