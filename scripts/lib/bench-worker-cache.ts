/**
 * --worker-cache: what one cached reservation workflow costs the worker in memory, the figure that
 * WORKER_MAX_CACHED_WORKFLOWS is chosen from. Open reservations (long holds nobody pays) stay in the
 * worker's sticky cache; the worker's resident set is sampled before and after N of them, then once
 * more after they are all paid, so the cost of evicting (a replay on the next task) shows as latency.
 */
import { mapWithConcurrency } from '../../src/shared/concurrency';
import { readFileSync } from 'node:fs';
import { stringField, type ApiClient } from './bench-http';
import { type Buyer, type SaleEvent } from './bench-setup';
import { summarize, type Percentiles } from './bench-stats';

export interface WorkerCacheInput {
  api: ApiClient;
  workerPid: number;
  event: SaleEvent;
  buyers: Buyer[];
  workflows: number;
  /** The cache size the worker runs with, as it printed it (null if it did not). */
  maxCached: number | null;
  log(line: string): void;
}

export interface WorkerCacheResult {
  workflows: number;
  max_cached_workflows: number | null;
  rss_mib: { idle: number; warm: number; loaded: number };
  per_workflow_kib: number;
  hold_ms: Percentiles;
  confirm_ms: Percentiles;
  errors: Record<string, number>;
}

const WARM_UP = 50;
const CONCURRENCY = 16;
const SAMPLES = 5;
const SAMPLE_GAP_MS = 1000;

function rssMib(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
  if (!kb) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(kb) / 1024;
}

/** The smallest of a few samples a second apart: garbage not yet collected inflates any one of them. */
async function settledRss(pid: number): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    await new Promise((r) => setTimeout(r, SAMPLE_GAP_MS));
    samples.push(rssMib(pid));
  }
  return Math.min(...samples);
}

async function holdMany(input: WorkerCacheInput, seatIds: readonly string[], errors: Map<string, number>): Promise<{ ids: Array<[string, Buyer]>; ms: number[] }> {
  const ms: number[] = [];
  const ids: Array<[string, Buyer]> = [];
  await mapWithConcurrency(seatIds, CONCURRENCY, async (seatId, i) => {
    const buyer = input.buyers[i % input.buyers.length] as Buyer;
    const started = performance.now();
    const res = await input.api.call('POST', '/api/v1/reservations', { event_id: input.event.eventId, seat_ids: [seatId] }, buyer.token);
    const id = stringField(res.body, 'reservation_id');
    if (res.status !== 201 || !id) {
      const code = stringField(res.body, 'error') ?? `HTTP_${res.status}`;
      errors.set(`hold ${code}`, (errors.get(`hold ${code}`) ?? 0) + 1);
      return;
    }
    ms.push(performance.now() - started);
    ids.push([id, buyer]);
  });
  return { ids, ms };
}

export async function measureWorkerCache(input: WorkerCacheInput): Promise<WorkerCacheResult> {
  const { workerPid: pid, workflows } = input;
  if (input.event.seatIds.length < WARM_UP + workflows) throw new Error(`need ${WARM_UP + workflows} seats, the event has ${input.event.seatIds.length}`);
  const errors = new Map<string, number>();
  const idle = await settledRss(pid);
  // The first holds load the workflow bundle's code paths, the pools and the SDK's buffers: not per-workflow memory.
  const warmUp = await holdMany(input, input.event.seatIds.slice(0, WARM_UP), errors);
  const warm = await settledRss(pid);
  input.log(`worker RSS idle ${idle.toFixed(0)} MiB, after ${warmUp.ids.length} warm-up reservations ${warm.toFixed(0)} MiB; holding ${workflows} more`);
  const held = await holdMany(input, input.event.seatIds.slice(WARM_UP, WARM_UP + workflows), errors);
  const loaded = await settledRss(pid);
  input.log(`worker RSS with ${held.ids.length + warmUp.ids.length} open reservations: ${loaded.toFixed(0)} MiB; paying them`);

  const confirmMs: number[] = [];
  await mapWithConcurrency(held.ids, CONCURRENCY, async ([id, buyer]) => {
    const started = performance.now();
    const res = await input.api.call('POST', `/api/v1/reservations/${id}/confirm`, { payment_method_id: 'pm_card_visa' }, buyer.token);
    if (res.status !== 200) {
      const code = stringField(res.body, 'error') ?? `HTTP_${res.status}`;
      errors.set(`confirm ${code}`, (errors.get(`confirm ${code}`) ?? 0) + 1);
      return;
    }
    confirmMs.push(performance.now() - started);
  });
  return {
    workflows: held.ids.length,
    max_cached_workflows: input.maxCached,
    rss_mib: { idle: round(idle), warm: round(warm), loaded: round(loaded) },
    per_workflow_kib: held.ids.length > 0 ? round(((loaded - warm) * 1024) / held.ids.length) : 0,
    hold_ms: summarize(held.ms),
    confirm_ms: summarize(confirmMs),
    errors: Object.fromEntries(errors),
  };
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}

export function renderWorkerCache(r: WorkerCacheResult): string {
  const p = (x: Percentiles): string => `p50 ${x.p50_ms?.toFixed(0) ?? '-'} / p95 ${x.p95_ms?.toFixed(0) ?? '-'} / p99 ${x.p99_ms?.toFixed(0) ?? '-'} ms`;
  return [
    `\nWorker cache (${r.workflows} open reservations, worker maxCachedWorkflows ${r.max_cached_workflows ?? 'unknown'})`,
    `  worker RSS: idle ${r.rss_mib.idle} MiB, warm ${r.rss_mib.warm} MiB, loaded ${r.rss_mib.loaded} MiB`,
    `  per cached reservation workflow: ${r.per_workflow_kib} KiB`,
    `  holds ${p(r.hold_ms)}; paying them afterwards ${p(r.confirm_ms)}`,
    `  errors: ${Object.keys(r.errors).length === 0 ? 'none' : JSON.stringify(r.errors)}`,
  ].join('\n');
}
