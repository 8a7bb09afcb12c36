/**
 * --waiting-room: --fans fans descend on a high-demand event at once and go through its waiting room;
 * in the same run the same number of fans hit a twin ordinary event (same venue, same inventory) at
 * once, with no room in front of it. Correctness (admission order, oversell, invariants) decides the
 * exit code; speed is reported next to the goal, never asserted.
 */
import type { Pool } from 'pg';
import { createTemporalClient } from '../../src/shared/clients';
import type { OnSaleView } from '../../src/domain/on-sale';
import { onSaleQuery } from '../../src/workflows/on-sale-definitions';
import { onSaleWorkflowId } from '../../src/workflows/ids';
import type { BenchOptions } from './bench-args';
import { snapshot, usageBetween, type CpuGroup, type CpuUsage } from './bench-cpu';
import { createApiClient, type ApiClient } from './bench-http';
import { Tally, toResult, type AttemptConfig, type LoadResult } from './bench-load';
import { createEvent, createVenue, registerBuyers, type Buyer, type SaleEvent, type SaleShape } from './bench-setup';
import { stuckHolds, verifyEvent, type EventVerification, type StuckHolds } from './bench-verify';
import { runBurstFans, runRoomFans, type FanRecord } from './bench-waiting-room-fans';
import { cancelOpenWorkflows } from './temporal-cleanup';

export interface WaitingRoomContext {
  /** For setup calls; the fans get a client of their own with a connection each. */
  api: ApiClient;
  apiPort: number;
  pool: Pool;
  adminToken: string;
  temporal: { address: string; namespace: string; taskQueue: string };
  options: BenchOptions;
  tag: string;
  /** The admission window the API was started with: fans must never sleep through it. */
  admissionWindowSeconds: number;
  groups: CpuGroup[];
  log(line: string): void;
  /** Resolves once every abandoned hold of the event should have been released. */
  waitForExpiries(load: LoadResult, eventId: string): Promise<void>;
}

export interface OnSaleSample {
  at_s: number;
  phase: string;
  waiting: number;
  active: number;
  admitted_total: number;
  finished_total: number;
  admission_rate_per_second: number | null;
  /** The rate the room steered to (admission control) and the hold p95 it steered by. */
  rate_limit_per_second: number;
  hold_p95_ms: number | null;
}

/** One side of the comparison, as measured. */
export interface SideRun {
  event: SaleEvent;
  load: LoadResult;
  /** From the first request sent to the last fan's turn ended. */
  saleMs: number;
  cpu: CpuUsage;
  verification: EventVerification;
  stuck: StuckHolds;
}

export interface WaitingRoomRun {
  shape: SaleShape;
  fans: number;
  registerMs: number;
  room: SideRun & { records: FanRecord[]; samples: OnSaleSample[]; view: OnSaleView | null };
  burst: SideRun;
}

const SAMPLE_EVERY_MS = 2000;
/** Fans give up when nobody was admitted for this long; the room then has a problem to report. */
const STALL_MS = 60_000;

/** Asks the on-sale workflow how it sees the room every couple of seconds, for the rate it settled on. */
function sampleOnSale(ctx: WaitingRoomContext, eventId: string, t0: number) {
  const { client, connection } = createTemporalClient({ TEMPORAL_ADDRESS: ctx.temporal.address, TEMPORAL_NAMESPACE: ctx.temporal.namespace });
  const handle = client.workflow.getHandle(onSaleWorkflowId(eventId));
  const samples: OnSaleSample[] = [];
  let last: OnSaleView | null = null;
  let stopped = false;
  const take = async (): Promise<void> => {
    try {
      const v = await handle.query(onSaleQuery);
      last = v;
      samples.push({
        at_s: Math.round((Date.now() - t0) / 100) / 10,
        phase: v.phase,
        waiting: v.waiting,
        active: v.active,
        admitted_total: v.admittedTotal,
        finished_total: v.finishedTotal,
        admission_rate_per_second: v.admissionRatePerSecond,
        rate_limit_per_second: v.admissionRateLimitPerSecond,
        hold_p95_ms: v.holdP95Ms,
      });
    } catch {
      // Not started yet (the first join starts it), or busy: the next sample will tell.
    }
  };
  const loop = (async () => {
    while (!stopped) {
      await new Promise((resolve) => setTimeout(resolve, SAMPLE_EVERY_MS));
      if (!stopped) await take();
    }
  })();
  return {
    latest: (): OnSaleSample | undefined => samples[samples.length - 1],
    async stop(): Promise<{ samples: OnSaleSample[]; view: OnSaleView | null }> {
      stopped = true;
      await loop;
      await take();
      await connection.close().catch(() => undefined);
      return { samples, view: last };
    },
  };
}

function finish(tally: Tally, startedAt: number, endedAt: number, fans: number): { load: LoadResult; saleMs: number } {
  const saleMs = Math.max(endedAt - startedAt, 0);
  return { load: toResult(tally, saleMs, 0, fans, fans - tally.attempts), saleMs };
}

async function burstRun(ctx: WaitingRoomContext, client: ApiClient, buy: AttemptConfig, event: SaleEvent, fans: Buyer[]) {
  ctx.log(`no waiting room: ${fans.length} fans try to hold on event ${event.eventId} at once`);
  const before = snapshot(ctx.groups);
  const startedAt = Date.now();
  const { tally, doneAt } = await runBurstFans({ ...buy, api: client, eventId: event.eventId }, event.seatIds, fans);
  const cpu = usageBetween(before, snapshot(ctx.groups));
  return { ...finish(tally, startedAt, Math.max(startedAt, ...doneAt), fans.length), cpu };
}

async function roomRun(ctx: WaitingRoomContext, client: ApiClient, buy: AttemptConfig, event: SaleEvent, fans: Buyer[]) {
  ctx.log(`waiting room: ${fans.length} fans join event ${event.eventId} at once`);
  const before = snapshot(ctx.groups);
  const startedAt = Date.now();
  const sampler = sampleOnSale(ctx, event.eventId, startedAt);
  const tally = new Tally();
  const progress = setInterval(() => ctx.log(`  ${((Date.now() - startedAt) / 1000).toFixed(0)} s: ${progressLine(tally, sampler.latest())}`), 10_000);
  const { records } = await runRoomFans(
    {
      api: client,
      buy: { ...buy, eventId: event.eventId },
      seatIds: event.seatIds,
      maxPollSeconds: ctx.admissionWindowSeconds / 2,
      stallMs: STALL_MS,
    },
    fans,
    tally,
  ).finally(() => clearInterval(progress));
  const cpu = usageBetween(before, snapshot(ctx.groups));
  const { samples, view } = await sampler.stop();
  const ends = records.flatMap((r) => (r.doneAt === null ? [] : [r.doneAt]));
  return { ...finish(tally, startedAt, Math.max(startedAt, ...ends), fans.length), cpu, records, samples, view };
}

function progressLine(t: Tally, s: OnSaleSample | undefined): string {
  const room = s ? `${s.phase}, waiting ${s.waiting}, active ${s.active}, admitted ${s.admitted_total}, rate ${s.admission_rate_per_second ?? '-'}/s; ` : '';
  return `${room}holds ${t.attempts}, ok ${t.holdsOk}, 409 ${t.conflicts}, errors ${t.errors}, paid ${t.confirmed}`;
}

/** The whole --waiting-room run: setup, the crowd without a room, the crowd through the room, then PostgreSQL's verdict on both. */
export async function runWaitingRoom(ctx: WaitingRoomContext): Promise<WaitingRoomRun> {
  const { options, tag } = ctx;
  const shape = await createVenue(ctx.api, ctx.adminToken, `${tag}-wroom`, { rows: options.rows, seatsPerRow: options.seatsPerRow, ga: options.ga });
  const roomEvent = await createEvent(ctx.api, ctx.adminToken, shape, `Bench waiting room ${tag}`, true);
  const burstEvent = await createEvent(ctx.api, ctx.adminToken, shape, `Bench no waiting room ${tag}`);
  ctx.log(`venue ${shape.venueId}: ${roomEvent.seatIds.length} seats + ${options.ga} GA; events ${roomEvent.eventId} (high demand), ${burstEvent.eventId} (ordinary)`);
  const registerStart = performance.now();
  const fans = await registerBuyers(ctx.api, options.fans, `${tag}-fan`);
  const registerMs = performance.now() - registerStart;
  ctx.log(`${fans.length} fans registered in ${(registerMs / 1000).toFixed(1)} s`);

  // A connection per fan: "at once" must reach the server at once, not queue in the client's pool.
  const client = createApiClient(ctx.apiPort, options.fans + 8);
  try {
    const buy: AttemptConfig = { api: client, eventId: '', gaSectionId: shape.gaSectionId, holdSeconds: options.holdSeconds, abandonRate: options.abandonRate };
    // The crowd without a room goes first and is over in seconds; the room's run then has the machine to itself.
    const burst = await burstRun(ctx, client, buy, burstEvent, fans);
    const room = await roomRun(ctx, client, buy, roomEvent, fans);
    await ctx.waitForExpiries(burst.load, burstEvent.eventId);
    await ctx.waitForExpiries(room.load, roomEvent.eventId);
    const check = async (event: SaleEvent) => ({
      verification: await verifyEvent(ctx.pool, event.eventId),
      stuck: await stuckHolds(ctx.pool, event.eventId),
    });
    const [burstChecks, roomChecks] = [await check(burstEvent), await check(roomEvent)];
    const leftovers = await cancelOpenWorkflows(ctx.temporal.address, ctx.temporal.namespace, ctx.temporal.taskQueue);
    ctx.log(`cancelled ${leftovers} workflow(s) still open (the on-sale, holds answered 503 or unpaid)`);
    return {
      shape,
      fans: fans.length,
      registerMs,
      room: { event: roomEvent, ...room, ...roomChecks },
      burst: { event: burstEvent, ...burst, ...burstChecks },
    };
  } finally {
    client.close();
  }
}
