/** The bench's verdicts, its table on stdout and its JSON file. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { BenchOptions } from './bench-args';
import type { BaselineResult } from './bench-baseline';
import type { CpuUsage } from './bench-cpu';
import type { LiveReport } from './bench-live';
import type { LoadResult } from './bench-load';
import { perSecond, type Percentiles } from './bench-stats';
import type { EventVerification, ReleaseLag, StuckHolds } from './bench-verify';

/** The product's promises (docs/api-contract.md, docs/benchmarks.md), checked on every run. */
export const TARGETS = {
  holdP95Ms: 100,
  offeredHoldsPerSecond: 100,
  releaseLagP99Ms: 1000,
} as const;

export interface Verification {
  main: EventVerification;
  baselineEvent: EventVerification;
  stuck: StuckHolds;
  releaseLag: ReleaseLag;
  /** Abandoned holds the bench made vs reservations PostgreSQL shows EXPIRED. */
  abandonedHolds: number;
  /** Hold attempts answered 5xx or not at all: the workflow may still have made (and then expired) them. */
  unknownOutcomeHolds: number;
  expiredReservations: number;
}

export interface BenchReport {
  options: BenchOptions;
  startedAt: string;
  finishedAt: string;
  environment: Record<string, string | number>;
  ids: Record<string, string>;
  setupMs: number;
  load: LoadResult;
  /** CPU by process group from the start of the sale until its last answer. */
  cpu: CpuUsage;
  verification: Verification;
  baseline: BaselineResult;
  /** --live only. */
  live?: LiveReport;
}

interface Row {
  metric: string;
  measured: string;
  target: string;
  verdict: string;
}

export interface Verdicts {
  /**
   * Only this fails the run (exit 1): nothing oversold and every invariant holds. Stuck holds are
   * reported as FAIL but are lateness, not a wrong sale: an expired hold already counts as available.
   */
  correctnessOk: boolean;
  targets: Record<string, { target: string; measured: number | null; met: boolean }>;
}

function ms(value: number | null): string {
  return value === null ? '-' : `${value.toFixed(1)}`;
}

function triple(p: Percentiles): string {
  return `${ms(p.p50_ms)} / ${ms(p.p95_ms)} / ${ms(p.p99_ms)} ms`;
}

function byKind(p: Record<'seats' | 'ga', Percentiles>): string {
  return `${ms(p.seats.p95_ms)} / ${ms(p.ga.p95_ms)} ms`;
}

function ratio(a: number | null, b: number | null): number | null {
  return a === null || b === null || b === 0 ? null : Math.round((a / b) * 100) / 100;
}

function sectionsOk(v: EventVerification): boolean {
  return v.sections.length > 0 && v.sections.every((s) => s.ok);
}

export function loadRates(load: LoadResult): { attemptsPerSecond: number; holdsPerSecond: number } {
  return { attemptsPerSecond: perSecond(load.attempts, load.windowMs), holdsPerSecond: perSecond(load.holdsOk, load.windowMs) };
}

export function verdicts(r: BenchReport): Verdicts {
  const v = r.verification;
  const { attemptsPerSecond } = loadRates(r.load);
  const p95 = r.load.holdLatencyOk.p95_ms;
  const lag = v.releaseLag.p99_ms;
  const oversold = v.main.oversold.total + v.baselineEvent.oversold.total;
  return {
    correctnessOk: oversold === 0 && sectionsOk(v.main) && sectionsOk(v.baselineEvent),
    targets: {
      offered_load: { target: `>= ${TARGETS.offeredHoldsPerSecond}/s`, measured: attemptsPerSecond, met: attemptsPerSecond >= TARGETS.offeredHoldsPerSecond * 0.95 },
      hold_p95_ms: { target: `< ${TARGETS.holdP95Ms} ms`, measured: p95, met: p95 !== null && p95 < TARGETS.holdP95Ms },
      release_lag_p99_ms: { target: `< ${TARGETS.releaseLagP99Ms} ms`, measured: lag, met: lag !== null && lag < TARGETS.releaseLagP99Ms },
      oversold: { target: '0', measured: oversold, met: oversold === 0 },
      stuck_holds: { target: '0', measured: v.stuck.count, met: v.stuck.count === 0 },
    },
  };
}

const mark = (met: boolean, miss = 'MISS'): string => (met ? 'OK' : miss);

function loadRows(r: BenchReport, t: Verdicts['targets']): Row[] {
  const { attemptsPerSecond, holdsPerSecond } = loadRates(r.load);
  const rows: Row[] = [
    { metric: 'offered load (attempts/s, open loop)', measured: `${attemptsPerSecond}`, target: t.offered_load?.target ?? '', verdict: mark(t.offered_load?.met ?? false) },
    { metric: 'successful holds/s', measured: `${holdsPerSecond} (${r.load.holdsOk} of ${r.load.attempts})`, target: '', verdict: '' },
    { metric: 'attempts not started (all buyers busy)', measured: `${r.load.notStarted} of ${r.load.offered} scheduled`, target: '0', verdict: mark(r.load.notStarted === 0) },
    { metric: 'hold latency, successful p50/p95/p99', measured: triple(r.load.holdLatencyOk), target: `p95 ${t.hold_p95_ms?.target ?? ''}`, verdict: mark(t.hold_p95_ms?.met ?? false) },
    { metric: '  seats only / GA only p95', measured: byKind(r.load.holdLatencyOkByKind), target: '', verdict: '' },
    { metric: 'hold latency, all attempts p50/p95/p99', measured: triple(r.load.holdLatencyAll), target: '', verdict: '' },
    { metric: 'confirm latency p50/p95/p99', measured: `${triple(r.load.confirmLatency)} (${r.load.confirmed} paid)`, target: '', verdict: '' },
    { metric: 'client queue delay p99 / max', measured: `${ms(r.load.clientQueueDelay.p99_ms)} / ${ms(r.load.clientQueueDelay.max_ms)} ms`, target: '', verdict: '' },
  ];
  return rows;
}

function verificationRows(r: BenchReport, t: Verdicts['targets']): Row[] {
  const v = r.verification;
  const lag = v.releaseLag;
  const rows: Row[] = [
    { metric: 'release lag after held_until p50/p99/max', measured: `${ms(lag.p50_ms)} / ${ms(lag.p99_ms)} / ${ms(lag.max_ms)} ms`, target: `p99 ${t.release_lag_p99_ms?.target ?? ''}`, verdict: mark(t.release_lag_p99_ms?.met ?? false) },
    {
      metric: 'expired / abandoned holds',
      measured: `${v.expiredReservations} / ${v.abandonedHolds}${v.unknownOutcomeHolds > 0 ? ` (+ ${v.unknownOutcomeHolds} unanswered)` : ''}`,
      target: 'equal',
      verdict: mark(v.expiredReservations >= v.abandonedHolds && v.expiredReservations <= v.abandonedHolds + v.unknownOutcomeHolds, 'CHECK'),
    },
    { metric: 'oversold (sale + baseline events)', measured: `${t.oversold?.measured ?? '-'}`, target: '0', verdict: mark(t.oversold?.met ?? false, 'FAIL') },
    { metric: 'stuck holds (> 5 s past held_until)', measured: `${v.stuck.count}`, target: '0', verdict: mark(v.stuck.count === 0, 'FAIL') },
  ];
  for (const [label, ev] of [['sale', v.main], ['baseline', v.baselineEvent]] as const) {
    for (const s of ev.sections) {
      const c = s.counts;
      const measured =
        s.kind === 'SEATED'
          ? `avail ${c.available} + held ${c.held} + sold ${c.sold} = ${c.total}`
          : `cap ${c.capacity} - held ${c.held} - sold ${c.sold} = ${c.available}`;
      rows.push({ metric: `invariants ${label} ${s.name} (${s.kind})`, measured, target: 'hold', verdict: mark(s.ok, 'FAIL') });
    }
  }
  return rows;
}

function baselineRows(r: BenchReport): Row[] {
  const b = r.baseline;
  const wf = loadRates(r.load);
  return [
    { metric: `bare PG holds/s (closed loop, ${b.concurrency} callers, ${(b.windowMs / 1000).toFixed(0)} s)`, measured: `${b.holdsPerSecond} (${b.attemptsPerSecond} attempts/s)`, target: '', verdict: '' },
    { metric: 'bare PG hold latency, successful p50/p95/p99', measured: triple(b.holdLatencyOk), target: '', verdict: '' },
    { metric: '  seats only / GA only p95', measured: byKind(b.holdLatencyOkByKind), target: '', verdict: '' },
    { metric: 'bare PG hold latency, all attempts p50/p95/p99', measured: triple(b.holdLatencyAll), target: '', verdict: '' },
    { metric: 'ratio bare/workflow holds/s', measured: `${ratio(b.holdsPerSecond, wf.holdsPerSecond) ?? '-'}x`, target: '', verdict: '' },
    { metric: 'ratio workflow/bare hold p95', measured: `${ratio(r.load.holdLatencyOk.p95_ms, b.holdLatencyOk.p95_ms) ?? '-'}x`, target: '', verdict: '' },
  ];
}

function formatTable(rows: Row[]): string {
  const header: Row = { metric: 'metric', measured: 'measured', target: 'target', verdict: '' };
  const all = [header, ...rows];
  const w = (key: keyof Row): number => Math.max(...all.map((row) => row[key].length));
  const line = (row: Row): string =>
    `${row.metric.padEnd(w('metric'))}  ${row.measured.padEnd(w('measured'))}  ${row.target.padEnd(w('target'))}  ${row.verdict}`.trimEnd();
  const rule = '-'.repeat(w('metric') + w('measured') + w('target') + w('verdict') + 6);
  return [line(header), rule, ...rows.map(line)].join('\n');
}

function counts(label: string, record: Record<string, number>): string {
  const entries = Object.entries(record);
  return `${label}: ${entries.length === 0 ? '-' : entries.map(([k, n]) => `${k} ${n}`).join(', ')}`;
}

/** CPU seconds per group during the sale, and per successful hold: which process saturates first. */
function cpuLine(r: BenchReport): string {
  const { cpu_seconds, window_s, host_busy, cores } = r.cpu;
  const perHold = (s: number): string => (r.load.holdsOk > 0 ? ` (${Math.round((s * 1000) / r.load.holdsOk)} ms/hold)` : '');
  const parts = Object.entries(cpu_seconds).map(([name, s]) => `${name} ${s}${perHold(s)}`);
  const host = host_busy === null ? '' : `; host ${Math.round(host_busy * 100)}% busy of ${cores ?? '?'} cores`;
  return `CPU seconds during the sale (${window_s} s): ${parts.join(', ')}${host}`;
}

export function renderReport(r: BenchReport, v: Verdicts): string {
  const problems = [r.verification.main, r.verification.baselineEvent].flatMap((ev) =>
    ev.sections.flatMap((s) => s.problems.map((p) => `  ${s.name}: ${p}`)),
  );
  return [
    '',
    `Flash sale: ${r.options.seats} seats + ${r.options.ga} GA, ${r.options.buyers} buyers, ${r.options.rate}/s offered for ${r.options.durationSeconds} s, ` +
      `abandon ${r.options.abandonRate} (hold ${r.options.holdSeconds} s), ${r.options.workers} worker(s)`,
    '',
    formatTable([...loadRows(r, v.targets), ...verificationRows(r, v.targets), ...baselineRows(r)]),
    '',
    counts('hold answers by status', r.load.holdStatus),
    counts('hold errors by code', r.load.holdErrorCodes),
    counts('confirm answers by status', r.load.confirmStatus),
    counts('confirm errors by code', r.load.confirmErrorCodes),
    counts('request mix', r.load.requestMix),
    cpuLine(r),
    counts('sale reservations in PostgreSQL', r.verification.main.reservations_by_status),
    counts('bare PG outcomes', r.baseline.outcomes),
    ...(r.load.errorSamples.length > 0 ? ['unexpected answers (first few):', ...r.load.errorSamples.map((s) => `  ${s}`)] : []),
    ...(r.baseline.errorSamples.length > 0 ? ['bare PG errors (first few):', ...r.baseline.errorSamples.map((s) => `  ${s}`)] : []),
    ...(problems.length > 0 ? ['invariant violations:', ...problems] : []),
    ...(r.verification.stuck.count > 0 ? [`stuck reservations (first ids): ${r.verification.stuck.sample_ids.join(', ')}`] : []),
    '',
    v.correctnessOk ? 'Correctness: OK (nothing oversold, every invariant holds)' : 'Correctness: FAILED (see above)',
    ...(r.verification.stuck.count > 0 ? [`Liveness: ${r.verification.stuck.count} hold(s) still live > 5 s after held_until`] : []),
  ].join('\n');
}

export function writeJson(file: string, r: BenchReport, v: Verdicts): void {
  mkdirSync(dirname(file), { recursive: true });
  const { abandoned, unpaid, ...load } = r.load;
  const json = {
    ...r,
    load: { ...load, ...loadRates(r.load), abandonedHolds: abandoned.length, unpaidHolds: unpaid },
    ratios: {
      bare_over_workflow_holds_per_s: ratio(r.baseline.holdsPerSecond, loadRates(r.load).holdsPerSecond),
      workflow_over_bare_hold_p95: ratio(r.load.holdLatencyOk.p95_ms, r.baseline.holdLatencyOk.p95_ms),
    },
    verdicts: v,
  };
  writeFileSync(file, `${JSON.stringify(json, null, 2)}\n`);
}
