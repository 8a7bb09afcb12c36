/**
 * `npm run bench -- --cancel-event`: an event with --orders paid orders and some open holds is
 * reconciled, cancelled and reconciled again, on the real stack; then a second small event gets a
 * hand-made inconsistency that reconciliation must name. Figures come from the rows' timestamps;
 * the verdict only from correctness (see checksOf).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, resolve } from 'node:path';
import type { Client } from '@temporalio/client';
import type { Pool } from 'pg';
import { loadSettings } from '../../src/config';
import type { ReconciliationReport } from '../../src/operations/reconciliation-reports';
import { createRedis, createTemporalClient, waitForRedis } from '../../src/shared/clients';
import type { CancelEventProgress } from '../../src/workflows/definitions';
import { cancelEventWorkflowId } from '../../src/workflows/ids';
import type { BenchOptions } from './bench-args';
import { afterCancel, beforeCancel, cancelTimings, type AfterCancel, type BeforeCancel, type CancelTimings } from './bench-cancel-verify';
import { makeOpenHolds, makeOrders, SeatPool, seatsNeeded, type MadeOrders } from './bench-cancel-orders';
import { checksOf, renderCancelEvent } from './bench-cancel-report';
import { expectStatus, type ApiClient } from './bench-http';
import { watchForCrash, type Children } from './bench-processes';
import { reconcile, seedInconsistency, undoSeeded, type SeededInconsistency } from './bench-reconciliation';
import { createEvent, createVenue, login, registerBuyers, type Buyer, type SaleEvent, type SaleShape } from './bench-setup';
import { verifyEvent, type EventVerification } from './bench-verify';
import { REPO_ROOT } from './processes';
import type { Stack } from './stack';
import { cancelOpenWorkflows } from './temporal-cleanup';

/** What bench.ts's startSystem gives every mode. */
export interface CancelBenchSystem {
  api: ApiClient;
  pool: Pool;
  stack: Stack;
  children: Children;
  taskQueue: string;
}

const OPEN_HOLDS = 20;
/** Registration hashes with scrypt: fifty buyers with several orders each, not one buyer per order. */
const MAX_BUYERS = 50;
const SEEDED_EVENT = { orders: 3, holds: 2 };
const SEATS_PER_ROW = 50;
/** Each poll is a workflow query the worker answers: twice a second is enough next to the rows' timestamps. */
const POLL_MS = 500;
const DONE_TIMEOUT_MS = 15 * 60_000;

export interface Cancellation {
  requested_at: string;
  accepted: CancelEventProgress;
  final: CancelEventProgress;
  /** Each phase as first seen by polling, in ms after the request. */
  phases_seen: Array<{ phase: string; at_ms: number }>;
  done_observed_ms: number;
  /** Polls not answered 200: a server restarted under the run (a shared machine) shows here, and explains a slow DONE. */
  failed_polls: Record<string, number>;
  history_length: number | null;
}

export interface CancelFigures {
  orders_refunded: number;
  holds_released: number;
  time_to_done_ms: number | null;
  time_to_last_refund_ms: number | null;
  time_to_holds_released_ms: number | null;
  refund_phase_ms: number | null;
  refunds_per_second: number | null;
  refunds_per_second_from_request: number | null;
  straggler_wait_seconds: number;
}

export interface SeededRun {
  event_id: string;
  seeded: SeededInconsistency;
  before: ReconciliationReport;
  found: ReconciliationReport;
  after_undo: ReconciliationReport;
}

export interface CancelEventResult {
  options: BenchOptions;
  environment: { node: string; cpus: number; task_queue: string };
  started_at: string;
  finished_at: string;
  ids: { venue: string; event: string; seeded_event: string };
  setup: { buyers: number; made: MadeOrders; open_holds: number };
  before: BeforeCancel;
  reconciliation_before: ReconciliationReport;
  cancellation: Cancellation;
  figures: CancelFigures;
  after: AfterCancel;
  timings: CancelTimings;
  invariants: EventVerification;
  reconciliation_after: ReconciliationReport;
  seeded: SeededRun;
}

interface Ctx {
  sys: CancelBenchSystem;
  temporal: Client;
  adminToken: string;
  log: (line: string) => void;
}

export async function cancelEventRun(
  sys: CancelBenchSystem,
  options: BenchOptions,
  timestamp: string,
  admin: { email: string; password: string },
  log: (line: string) => void,
): Promise<boolean> {
  // A worker or the API dying mid-run must end the run with that error, not skew its figures.
  const watch = watchForCrash([sys.children.api, ...sys.children.workers, sys.children.floorWorker]);
  const guarded = <T>(p: Promise<T>): Promise<T> => Promise.race([p, watch.crashed]);
  const { client, connection } = createTemporalClient({ TEMPORAL_ADDRESS: sys.stack.temporalAddress, TEMPORAL_NAMESPACE: sys.stack.temporalNamespace });
  const redis = createRedis({ REDIS_URL: childRedisUrl(sys.stack.redisUrl) });
  try {
    await waitForRedis(redis);
    const startedAt = new Date().toISOString();
    const ctx: Ctx = { sys, temporal: client, adminToken: await guarded(login(sys.api, admin.email, admin.password)), log };
    const stage = await guarded(setUp(ctx, options.orders, timestamp));
    const seats = new SeatPool(stage.event.seatIds);
    const made = await guarded(makeOrders(sys.api, stage.shape, stage.event, seats, stage.buyers, options.orders));
    log(`${made.orders} orders confirmed in ${(made.elapsedMs / 1000).toFixed(1)} s (${made.seatTickets} seat + ${made.gaTickets} GA tickets)`);
    await guarded(makeOpenHolds(sys.api, stage.shape, stage.event, seats, stage.buyers, OPEN_HOLDS));
    log(`${OPEN_HOLDS} unpaid holds open`);

    const before = await beforeCancel(sys.pool, stage.event.eventId);
    const reconciliationBefore = await guarded(reconcile(sys.api, ctx.adminToken, client, sys.pool, stage.event.eventId));
    log(`reconciliation before: ${reconciliationBefore.status}`);
    const cancellation = await guarded(cancelAndWatch(ctx, stage.event.eventId));
    const requestedAt = new Date(cancellation.requested_at);
    const [after, timings, invariants] = await Promise.all([
      afterCancel(sys.pool, redis, stage.event.eventId),
      cancelTimings(sys.pool, stage.event.eventId, requestedAt),
      verifyEvent(sys.pool, stage.event.eventId),
    ]);
    const reconciliationAfter = await guarded(reconcile(sys.api, ctx.adminToken, client, sys.pool, stage.event.eventId));
    log(`reconciliation after: ${reconciliationAfter.status}`);
    const seeded = await guarded(seededRun(ctx, stage));
    await guarded(cancelOpenWorkflows(sys.stack.temporalAddress, sys.stack.temporalNamespace, sys.taskQueue));

    const result: CancelEventResult = {
      options,
      environment: { node: process.version, cpus: cpus().length, task_queue: sys.taskQueue },
      started_at: startedAt,
      finished_at: new Date().toISOString(),
      ids: { venue: stage.shape.venueId, event: stage.event.eventId, seeded_event: seeded.event_id },
      setup: { buyers: stage.buyers.length, made, open_holds: OPEN_HOLDS },
      before,
      reconciliation_before: reconciliationBefore,
      cancellation,
      // The value the API started the workflow with: bench.ts passes its own environment to the children.
      figures: figuresOf(cancellation, after, timings, requestedAt, loadSettings({ ...process.env, DATABASE_URL: sys.stack.databaseUrl }).CANCEL_EVENT_STRAGGLER_SECONDS),
      after,
      timings,
      invariants,
      reconciliation_after: reconciliationAfter,
      seeded,
    };
    const checks = checksOf(result);
    console.log(renderCancelEvent(result, checks));
    const out = resolve(REPO_ROOT, options.out);
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, `${JSON.stringify({ ...result, checks: Object.fromEntries(checks) }, null, 2)}\n`);
    console.log(`\nJSON: ${out}`);
    return checks.every(([, ok]) => ok);
  } finally {
    watch.dispose();
    redis.disconnect();
    await connection.close().catch(() => undefined);
  }
}

/** The Redis database bench.ts gives its children (childEnv), where the simulated processor keeps its ledger. */
function childRedisUrl(redisUrl: string): string {
  const url = new URL(redisUrl);
  url.pathname = '/2';
  return url.toString();
}

interface Stage {
  shape: SaleShape;
  event: SaleEvent;
  buyers: Buyer[];
}

async function setUp(ctx: Ctx, orders: number, tag: string): Promise<Stage> {
  const rows = Math.ceil((seatsNeeded(orders, OPEN_HOLDS) + 10) / SEATS_PER_ROW);
  const shape = await createVenue(ctx.sys.api, ctx.adminToken, `${tag}-cancel`, { rows, seatsPerRow: SEATS_PER_ROW, ga: 2 * (orders + OPEN_HOLDS) + 50 });
  const event = await createEvent(ctx.sys.api, ctx.adminToken, shape, `Bench cancel-event ${tag}`);
  const buyers = await registerBuyers(ctx.sys.api, Math.min(MAX_BUYERS, orders), `${tag}-cancel`);
  ctx.log(`event ${event.eventId}: ${event.seatIds.length} seats + GA; ${buyers.length} buyers`);
  return { shape, event, buyers };
}

async function cancelAndWatch(ctx: Ctx, eventId: string): Promise<Cancellation> {
  const { api } = ctx.sys;
  const requestedAt = new Date();
  const t0 = performance.now();
  const sinceMs = (): number => Math.round(performance.now() - t0);
  const res = await api.call('POST', `/api/v1/admin/events/${eventId}/cancel`, { reason: 'bench: measuring a cancellation' }, ctx.adminToken);
  const accepted = expectStatus(res, 202, 'cancel event') as CancelEventProgress;
  const phases = [{ phase: accepted.phase, at_ms: sinceMs() }];
  ctx.log(`cancel accepted (202, phase ${accepted.phase}) in ${phases[0]?.at_ms} ms; watching its progress`);
  let last = accepted;
  const failed: Record<string, number> = {};
  while (last.phase !== 'DONE') {
    if (performance.now() - t0 > DONE_TIMEOUT_MS) throw new Error(`cancellation not DONE after ${DONE_TIMEOUT_MS / 1000} s: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, POLL_MS));
    const polled = await api
      .call('GET', `/api/v1/admin/events/${eventId}/cancellation`, undefined, ctx.adminToken)
      .catch((err: unknown) => ({ status: 0, body: String(err) }));
    // Temporal or the worker out of reach for a while is reported with the figures, not fatal.
    if (polled.status !== 200) {
      const key = polled.status === 0 ? 'network error' : `HTTP ${polled.status}`;
      if (!failed[key]) ctx.log(`  ${(sinceMs() / 1000).toFixed(1)} s: progress poll answered ${key}; polling on`);
      failed[key] = (failed[key] ?? 0) + 1;
      continue;
    }
    last = polled.body as CancelEventProgress;
    if (last.phase !== phases[phases.length - 1]?.phase) {
      phases.push({ phase: last.phase, at_ms: sinceMs() });
      ctx.log(`  ${(sinceMs() / 1000).toFixed(1)} s: ${last.phase} (holds released ${last.holdsReleased}, orders refunded ${last.ordersRefunded})`);
    }
  }
  const doneObservedMs = sinceMs();
  const described = await ctx.temporal.workflow.getHandle(cancelEventWorkflowId(eventId)).describe();
  return {
    requested_at: requestedAt.toISOString(),
    accepted,
    final: last,
    phases_seen: phases,
    done_observed_ms: doneObservedMs,
    failed_polls: failed,
    history_length: described.historyLength ?? null,
  };
}

function figuresOf(c: Cancellation, after: AfterCancel, t: CancelTimings, requestedAt: Date, stragglerWaitSeconds: number): CancelFigures {
  const refunded = after.orders_by_status.REFUNDED ?? 0;
  const refundPhase = t.refunds_done_last_ms !== null && t.refunds_started_first_ms !== null ? t.refunds_done_last_ms - t.refunds_started_first_ms : null;
  const rate = (ms: number | null): number | null => (ms && ms > 0 ? Math.round((refunded / (ms / 1000)) * 10) / 10 : null);
  return {
    orders_refunded: refunded,
    holds_released: c.final.holdsReleased,
    time_to_done_ms: c.final.finishedAt ? new Date(c.final.finishedAt).getTime() - requestedAt.getTime() : null,
    time_to_last_refund_ms: t.refunds_done_last_ms,
    time_to_holds_released_ms: t.holds_released_last_ms,
    refund_phase_ms: refundPhase,
    refunds_per_second: rate(refundPhase),
    refunds_per_second_from_request: rate(t.refunds_done_last_ms),
    straggler_wait_seconds: stragglerWaitSeconds,
  };
}

/**
 * A small second event, consistent at first; then a GA counter and a seat are edited by hand, a run
 * must name exactly those two rows, and after undoing the edits a run is clean again.
 */
async function seededRun(ctx: Ctx, stage: Stage): Promise<SeededRun> {
  const { api, pool } = ctx.sys;
  const event = await createEvent(api, ctx.adminToken, stage.shape, `Bench seeded inconsistency ${new Date().toISOString()}`);
  const seats = new SeatPool(event.seatIds);
  await makeOrders(api, stage.shape, event, seats, stage.buyers, SEEDED_EVENT.orders);
  await makeOpenHolds(api, stage.shape, event, seats, stage.buyers, SEEDED_EVENT.holds);
  const before = await reconcile(api, ctx.adminToken, ctx.temporal, pool, event.eventId);
  const { rows } = await pool.query<{ reservation_id: string }>(`SELECT reservation_id FROM orders WHERE event_id = $1 ORDER BY created_at LIMIT 1`, [event.eventId]);
  const seeded = await seedInconsistency(pool, {
    eventId: event.eventId,
    gaSectionId: stage.shape.gaSectionId,
    seatId: seats.take(1)[0] as string,
    reservationId: rows[0]?.reservation_id ?? '',
  });
  ctx.log(`seeded on event ${event.eventId}: GA counter held +1, seat ${seeded.seatId} HELD 10 min past its deadline`);
  let undone = false;
  try {
    const found = await reconcile(api, ctx.adminToken, ctx.temporal, pool, event.eventId);
    ctx.log(`reconciliation of the seeded event: ${found.status}, ${found.findings_count} finding(s)`);
    await undoSeeded(pool, seeded);
    undone = true;
    const afterUndo = await reconcile(api, ctx.adminToken, ctx.temporal, pool, event.eventId);
    return { event_id: event.eventId, seeded, before, found, after_undo: afterUndo };
  } finally {
    // Whatever failed, the hand edits do not outlive the run.
    if (!undone) await undoSeeded(pool, seeded).catch((err: unknown) => ctx.log(`undoing the seed: ${String(err)}`));
  }
}
