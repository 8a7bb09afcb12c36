/**
 * `npm run bench -- --curve --engines dev,postgres`: the same curve on each Temporal engine, one after
 * the other on this machine, side by side: what a reservation and the floor cost on the dev server
 * (SQLite inside one process) and on the Temporal server with PostgreSQL persistence.
 */
import type { TemporalEngine } from './temporal-engine';
import type { BuildRecord } from './temporal-server-build';
import { CPU_COLUMNS, temporalCpu, type CurveSummary, type SeriesStep } from './bench-curve';

export interface EngineCurve {
  engine: TemporalEngine;
  label: string;
  ok: boolean;
  summary: CurveSummary;
  out: string;
}

const totalCpu = (s: SeriesStep): number => CPU_COLUMNS.reduce((sum, g) => sum + (s.cpu_ms_per_hold[g] ?? 0), 0);

function cell(s: SeriesStep): string {
  return (
    `${String(s.achieved_rate).padStart(6)}/s  p50/p95 ${`${s.hold.p50_ms ?? '-'}/${s.hold.p95_ms ?? '-'}`.padEnd(9)} ms  ` +
    `lag p99 ${String(s.release_lag.p99_ms ?? '-').padStart(5)} ms  Temporal ${temporalCpu(s).toFixed(1).padStart(5)}  all ${totalCpu(s).toFixed(1).padStart(5)} ms/hold  ` +
    `PG commits/hold Temporal ${String(s.db_commits_per_hold['postgres (temporal)'] ?? 0).padStart(4)} inventory ${String(s.db_commits_per_hold['postgres (inventory)'] ?? 0).padStart(4)}`
  );
}

export function renderEngineComparison(curves: EngineCurve[], build: BuildRecord | null): string {
  const width = Math.max(...curves.map((c) => c.engine.length));
  const offered = [...new Set(curves.flatMap((c) => c.summary.steps.map((s) => s.offered_rate)))];
  const rows = offered.flatMap((rate) =>
    curves.flatMap((c) => {
      const step = c.summary.steps.find((s) => s.offered_rate === rate);
      if (!step) return [];
      return [
        `${String(rate).padStart(9)}  ${c.engine.padEnd(width)}  reservation ${cell(step.reservation)}`,
        `${''.padStart(9)}  ${''.padEnd(width)}  floor       ${cell(step.floor)}`,
      ];
    }),
  );
  const serverBuild = build?.programs['temporal-server'];
  const services = curves.flatMap((c) =>
    c.summary.steps.flatMap((step) => {
      const split = (s: SeriesStep) =>
        Object.entries(s.cpu_ms_per_hold)
          .filter(([group]) => group.startsWith('temporal ') && group !== 'temporal server')
          .map(([group, ms]) => `${group.slice('temporal '.length)} ${ms.toFixed(1)}`)
          .join(', ');
      const r = split(step.reservation);
      return r ? [`${String(step.offered_rate).padStart(9)}  ${c.engine.padEnd(width)}  reservation: ${r}; floor: ${split(step.floor)} (CPU ms/hold)`] : [];
    }),
  );
  return [
    '',
    '== The curve on each Temporal engine (one after the other, same machine and steps)',
    ...curves.map((c) => `  ${c.engine.padEnd(width)}  ${c.label}`),
    ...(serverBuild ? [`  (the Temporal server ${build?.server} was built from its Go module in ${serverBuild.seconds} s with ${serverBuild.go})`] : []),
    '',
    `offered/s  ${'engine'.padEnd(width)}  series      achieved, hold latency, release lag, CPU per hold (Temporal = server + its PostgreSQL; all = every group), PostgreSQL commits per hold`,
    ...rows,
    ...(services.length > 0 ? ['', 'the Temporal server by service (a process each):', ...services] : []),
    '',
    ...curves.map(
      (c) =>
        `${c.engine.padEnd(width)}  knee: reservations ${c.summary.knee.reservation ?? 'none'}/s, floor ${c.summary.knee.floor ?? 'none'}/s; ` +
        `saturation: reservations ${c.summary.saturation.reservation}/s, floor ${c.summary.saturation.floor}/s; ` +
        `ratio of server+worker CPU to the floor ${c.summary.ratios.server_and_worker_cpu?.toFixed(2) ?? '-'}; correctness ${c.ok ? 'OK' : 'FAILED'}`,
    ),
  ].join('\n');
}
