/**
 * `npm run bench -- --curve`: at each offered rate of --steps, a step of reservations (through the API,
 * as buyers make them) and a step of the floor workflow (straight through Temporal), one after the
 * other on the same server; the floor runs in a worker of its own with the same worker options
 * (scripts/bench-floor). Per step: the rate achieved, hold latency, release lag after
 * the deadline and CPU per reservation by process; then each series' knee (the highest offered rate
 * with hold p95 < 100 ms and release lag p99 < 1 s) and the ratios of reservations to the floor.
 */
import type { Client } from '@temporalio/client';
import type { Pool } from 'pg';
import { snapshot, usageBetween, type CpuGroup, type CpuUsage } from './bench-cpu';
import { runBaseline, type BaselineResult } from './bench-baseline';
import { runFloorLoad, type FloorLoadResult } from '../bench-floor/floor-load';
import type { ApiClient } from './bench-http';
import { runLoad, type LoadProgress, type LoadResult } from './bench-load';
import type { Buyer, SaleEvent, SaleShape } from './bench-setup';
import { releaseLag, type ReleaseLag } from './bench-verify';
import type { Percentiles } from './bench-stats';
import type { CurvePoint } from './bench-chart';

export const HOLD_P95_GOAL_MS = 100;
export const RELEASE_LAG_P99_GOAL_MS = 1000;
/** A step whose achieved rate falls this far below the offered one is saturated. */
const SATURATED_BELOW = 0.9;

export interface CurveContext {
  api: ApiClient;
  pool: Pool;
  client: Client;
  /** The floor worker's task queue (scripts/bench-floor). */
  floorTaskQueue: string;
  groups: CpuGroup[];
  /** The same groups with the floor worker as "worker". */
  floorGroups: CpuGroup[];
  shape: SaleShape;
  buyers: Buyer[];
  /** A fresh event per step, so each step's release lag is its own. */
  newEvent(step: number): Promise<SaleEvent>;
  log(line: string): void;
  onProgress(progress: LoadProgress): void;
  waitForExpiries(load: LoadResult, eventId: string): Promise<void>;
  /** An event of a venue large enough that the bare statements never run out of places. */
  bareEvent(): Promise<{ event: SaleEvent; gaSectionId: string }>;
  /**
   * Transactions committed so far per PostgreSQL database group (pg_stat_database): what a hold costs
   * each database in commits. Approximate: a backend reports its counts up to a few seconds late.
   */
  dbCommits(): Promise<Record<string, number>>;
}

/** The hold transaction alone (no HTTP, no Temporal), closed loop, one kind of hold at a time. */
export interface BareStatement {
  callers: number;
  holds_per_second: number;
  hold: Percentiles;
  outcomes: Record<string, number>;
}

export interface SeriesStep {
  offered_rate: number;
  achieved_rate: number;
  hold: Percentiles;
  release_lag: Percentiles;
  /** CPU milliseconds per completed hold, by process group. */
  cpu_ms_per_hold: Record<string, number>;
  /** PostgreSQL transactions committed per completed hold, by database group. */
  db_commits_per_hold: Record<string, number>;
  cpu: CpuUsage;
  errors: number;
}

export interface CurveStep {
  offered_rate: number;
  reservation: SeriesStep & { answers: Record<string, number>; confirm: Percentiles };
  floor: SeriesStep;
}

export interface CurveSummary {
  steps: CurveStep[];
  bare: { seats: BareStatement; ga: BareStatement };
  knee: { reservation: number | null; floor: number | null };
  saturation: { reservation: number; floor: number };
  ratios: {
    /** Reservations/s at saturation ÷ the floor's. */
    rate: number | null;
    /** (Temporal server + worker) CPU per reservation ÷ the floor's, median over the steps below both knees. */
    server_and_worker_cpu: number | null;
    knee: number | null;
  };
  /** The goals of a hold's cost (docs/benchmarks.md), each met or not; CPU per hold is the median over the steps below both knees (all steps if none is). */
  targets: Target[];
}

export interface Target {
  name: string;
  goal: string;
  value: number | null;
  met: boolean;
}

interface CurveOptions {
  steps: number[];
  stepSeconds: number;
  holdSeconds: number;
  abandonRate: number;
  /** Seconds for each bare statement (seats, then GA). */
  bareSeconds?: number;
}

export async function runCurve(ctx: CurveContext, options: CurveOptions): Promise<CurveSummary> {
  const steps: CurveStep[] = [];
  for (const [index, rate] of options.steps.entries()) {
    ctx.log(`step ${index + 1}/${options.steps.length}: reservations at ${rate}/s for ${options.stepSeconds} s`);
    const event = await ctx.newEvent(index);
    let commitsBefore = await ctx.dbCommits();
    let before = snapshot(ctx.groups);
    const load = await runLoad({
      api: ctx.api,
      buyers: ctx.buyers,
      eventId: event.eventId,
      gaSectionId: ctx.shape.gaSectionId,
      seatIds: event.seatIds,
      rate,
      durationMs: options.stepSeconds * 1000,
      holdSeconds: options.holdSeconds,
      abandonRate: options.abandonRate,
      onProgress: ctx.onProgress,
    });
    process.stdout.write('\n');
    await ctx.waitForExpiries(load, event.eventId);
    const reservationCpu = usageBetween(before, snapshot(ctx.groups));
    const reservationCommits = difference(commitsBefore, await ctx.dbCommits());
    const lag = await releaseLag(ctx.pool, event.eventId);

    ctx.log(`step ${index + 1}/${options.steps.length}: floor at ${rate}/s for ${options.stepSeconds} s`);
    commitsBefore = await ctx.dbCommits();
    before = snapshot(ctx.floorGroups);
    const floor = await runFloorLoad({
      client: ctx.client,
      taskQueue: ctx.floorTaskQueue,
      idPrefix: `floor-${ctx.floorTaskQueue}-${index}`,
      rate,
      durationMs: options.stepSeconds * 1000,
      holdMs: options.holdSeconds * 1000,
    });
    const floorCpu = usageBetween(before, snapshot(ctx.floorGroups));
    const floorCommits = difference(commitsBefore, await ctx.dbCommits());
    steps.push({
      offered_rate: rate,
      reservation: {
        ...series(rate, load.holdsOk, load.windowMs, load.holdLatencyOk, lag, reservationCpu, reservationCommits, load.errors),
        answers: load.holdStatus,
        confirm: load.confirmLatency,
      },
      floor: series(rate, floor.held, floor.windowMs, floor.holdLatency, floor.releaseLag, floorCpu, floorCommits, floor.errors),
    });
    ctx.log(describe(steps[steps.length - 1]!, floor));
  }
  return summarize(steps, await runBare(ctx, options));
}

const BARE_CALLERS = 20;

/** Seats and GA each alone: GA holds share one counter row per section, seat holds lock only their seats. */
async function runBare(ctx: CurveContext, options: CurveOptions): Promise<CurveSummary['bare']> {
  const seconds = options.bareSeconds ?? 5;
  const { event, gaSectionId } = await ctx.bareEvent();
  const one = async (only: 'seats' | 'ga'): Promise<BareStatement> => {
    ctx.log(`bare hold statement, ${only} only: ${BARE_CALLERS} callers for ${seconds} s`);
    const result: BaselineResult = await runBaseline({
      pool: ctx.pool,
      concurrency: BARE_CALLERS,
      durationMs: seconds * 1000,
      eventId: event.eventId,
      gaSectionId,
      seatIds: event.seatIds,
      buyers: ctx.buyers,
      holdSeconds: options.holdSeconds,
      abandonRate: options.abandonRate,
      only,
    });
    return { callers: BARE_CALLERS, holds_per_second: Math.round(result.holdsPerSecond * 10) / 10, hold: result.holdLatencyOk, outcomes: result.outcomes };
  };
  return { seats: await one('seats'), ga: await one('ga') };
}

function difference(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(after).map(([group, n]) => [group, Math.max(0, n - (before[group] ?? 0))]));
}

function series(
  offered: number,
  held: number,
  windowMs: number,
  hold: Percentiles,
  lag: ReleaseLag | Percentiles,
  cpu: CpuUsage,
  commits: Record<string, number>,
  errors: number,
): SeriesStep {
  const per = (total: number): number => (held > 0 ? Math.round((total * 10) / held) / 10 : 0);
  const perHold = Object.fromEntries(Object.entries(cpu.cpu_seconds).map(([group, seconds]) => [group, per(seconds * 1000)]));
  return {
    offered_rate: offered,
    achieved_rate: Math.round((held / (windowMs / 1000)) * 10) / 10,
    hold,
    release_lag: lag,
    cpu_ms_per_hold: perHold,
    db_commits_per_hold: Object.fromEntries(Object.entries(commits).map(([group, n]) => [group, per(n)])),
    cpu,
    errors,
  };
}

function withinGoals(s: SeriesStep): boolean {
  return (
    s.achieved_rate >= s.offered_rate * SATURATED_BELOW &&
    s.hold.p95_ms !== null &&
    s.hold.p95_ms < HOLD_P95_GOAL_MS &&
    (s.release_lag.p99_ms ?? 0) < RELEASE_LAG_P99_GOAL_MS
  );
}

function knee(steps: SeriesStep[]): number | null {
  const good = steps.filter(withinGoals).map((s) => s.offered_rate);
  return good.length > 0 ? Math.max(...good) : null;
}

/** Temporal's CPU per hold: the server and, on the postgres engine, its PostgreSQL backends (the dev server keeps SQLite inside). */
const temporalCpu = (s: SeriesStep): number => (s.cpu_ms_per_hold['temporal server'] ?? 0) + (s.cpu_ms_per_hold['postgres (temporal)'] ?? 0);
const serverAndWorker = (s: SeriesStep): number => temporalCpu(s) + (s.cpu_ms_per_hold.worker ?? 0);

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? null;
}

function ratio(a: number | null, b: number | null): number | null {
  return a !== null && b !== null && b > 0 ? Math.round((a / b) * 100) / 100 : null;
}

function summarize(steps: CurveStep[], bare: CurveSummary['bare']): CurveSummary {
  const reservation = steps.map((s) => s.reservation);
  const floor = steps.map((s) => s.floor);
  const saturation = { reservation: Math.max(0, ...reservation.map((s) => s.achieved_rate)), floor: Math.max(0, ...floor.map((s) => s.achieved_rate)) };
  const knees = { reservation: knee(reservation), floor: knee(floor) };
  // CPU per hold is only comparable where neither series is queueing: below both knees.
  const comparable = steps.filter((s) => withinGoals(s.reservation) && withinGoals(s.floor));
  const ratios = {
    rate: ratio(saturation.reservation, saturation.floor),
    server_and_worker_cpu: median(comparable.map((s) => serverAndWorker(s.reservation) / Math.max(serverAndWorker(s.floor), 0.001))),
    knee: ratio(knees.reservation, knees.floor),
  };
  const judged = comparable.length > 0 ? comparable : steps;
  const perHold = (group: string, series: 'reservation' | 'floor' = 'reservation') => median(judged.map((s) => s[series].cpu_ms_per_hold[group] ?? 0));
  const workerRatio = median(judged.map((s) => (s.reservation.cpu_ms_per_hold.worker ?? 0) / Math.max(s.floor.cpu_ms_per_hold.worker ?? 0, 0.001)));
  const target = (name: string, goal: string, value: number | null, met: (v: number) => boolean): Target => ({
    name,
    goal,
    value: value === null ? null : Math.round(value * 100) / 100,
    met: value !== null && met(value),
  });
  return {
    steps,
    bare,
    knee: knees,
    saturation,
    ratios,
    targets: [
      target('knee, reservations ÷ floor', '>= 0.8', ratios.knee, (v) => v >= 0.8),
      target('saturation, reservations ÷ floor', '>= 0.9', ratios.rate, (v) => v >= 0.9),
      target('inventory PostgreSQL CPU per hold (ms)', '<= 3', perHold('postgres (inventory)'), (v) => v <= 3),
      target('API CPU per hold (ms)', '<= 4', perHold('api'), (v) => v <= 4),
      target("worker CPU per hold ÷ the floor worker's", '<= 1.25', workerRatio, (v) => v <= 1.25),
    ],
  };
}

function describe(step: CurveStep, floor: FloorLoadResult): string {
  const r = step.reservation;
  const f = step.floor;
  const fmt = (s: SeriesStep) =>
    `${s.achieved_rate}/s, hold p50/p95 ${s.hold.p50_ms ?? '-'}/${s.hold.p95_ms ?? '-'} ms, lag p99 ${s.release_lag.p99_ms ?? '-'} ms, ` +
    `server+worker ${serverAndWorker(s).toFixed(1)} ms/hold`;
  return `  reservations ${fmt(r)}\n  floor        ${fmt(f)}${floor.errors > 0 ? ` (${floor.errors} errors: ${floor.errorSamples[0]})` : ''}`;
}

export { serverAndWorker, temporalCpu };

/** The chart's points: each step of each series at the rate offered and achieved. */
export function curvePoints(summary: CurveSummary): CurvePoint[] {
  return summary.steps.flatMap((step) =>
    (['reservation', 'floor'] as const).map((name) => {
      const s = step[name];
      return { series: name, offered: s.offered_rate, achieved: s.achieved_rate, holdP50: s.hold.p50_ms, holdP95: s.hold.p95_ms, lagP99: s.release_lag.p99_ms };
    }),
  );
}

/** The process groups of the CPU columns (scripts/bench.ts cpuGroups), in the order printed. */
export const CPU_COLUMNS = ['temporal server', 'postgres (temporal)', 'worker', 'api', 'postgres (inventory)', 'postgres (other)'] as const;

/** The table the run prints: one line per step and series, then the knees and ratios. */
export function renderCurve(summary: CurveSummary, correct: boolean): string {
  const header =
    'offered/s  series        achieved/s  hold p50/p95/p99 ms     lag p50/p99 ms   CPU ms/hold: temporal server / its postgres / worker / api / inventory postgres / other postgres';
  const row = (s: SeriesStep, name: string) =>
    `${String(s.offered_rate).padStart(9)}  ${name.padEnd(12)}  ${String(s.achieved_rate).padStart(10)}  ` +
    `${`${s.hold.p50_ms ?? '-'} / ${s.hold.p95_ms ?? '-'} / ${s.hold.p99_ms ?? '-'}`.padEnd(22)}  ${`${s.release_lag.p50_ms ?? '-'} / ${s.release_lag.p99_ms ?? '-'}`.padEnd(15)}  ` +
    CPU_COLUMNS.map((g) => (s.cpu_ms_per_hold[g] ?? 0).toFixed(1)).join(' / ');
  const lines = summary.steps.flatMap((step) => [row(step.reservation, 'reservation'), row(step.floor, 'floor')]);
  const r = summary.ratios;
  return [
    '',
    header,
    ...lines,
    '',
    `knee (highest offered rate with hold p95 < ${HOLD_P95_GOAL_MS} ms and release lag p99 < ${RELEASE_LAG_P99_GOAL_MS} ms): reservations ${summary.knee.reservation ?? 'none'}/s, floor ${summary.knee.floor ?? 'none'}/s`,
    `saturation (best rate achieved): reservations ${summary.saturation.reservation}/s, floor ${summary.saturation.floor}/s`,
    `ratios to the floor: rate ${r.rate ?? '-'}, Temporal server + worker CPU per hold ${r.server_and_worker_cpu?.toFixed(2) ?? '-'}, knee ${r.knee ?? '-'}`,
    'targets (reported, never asserted):',
    ...summary.targets.map((t) => `  ${t.met ? 'PASS' : 'MISS'}  ${t.name}: ${t.value ?? '-'} (goal ${t.goal})`),
    ...(['seats', 'ga'] as const).map((kind) => {
      const b = summary.bare[kind];
      return `bare hold statement, ${kind === 'ga' ? 'GA' : kind} only (${b.callers} callers, no HTTP, no Temporal): ${b.holds_per_second} holds/s, p50/p95/p99 ${b.hold.p50_ms ?? '-'} / ${b.hold.p95_ms ?? '-'} / ${b.hold.p99_ms ?? '-'} ms`;
    }),
    `correctness (every step's event: nothing oversold, invariants hold): ${correct ? 'OK' : 'FAILED'}`,
  ].join('\n');
}
