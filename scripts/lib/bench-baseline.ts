/**
 * The bare PostgreSQL baseline: the same hold transaction the workflow's activity runs
 * (src/inventory/hold.ts), called directly with no HTTP and no Temporal, closed loop with as many
 * callers as the pool has connections. What the workflow run costs on top of this is the price of
 * durability (and of HTTP); the ratio is the number worth watching over time.
 */
import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { AppError } from '../../src/domain/errors';
import { holdInventory, type HoldCommand } from '../../src/inventory/hold';
import { InventoryBelief, type HoldRequest } from './bench-mix';
import type { Buyer } from './bench-setup';
import { Counter, LatencyLog, perSecond, type Percentiles } from './bench-stats';

export interface BaselineConfig {
  pool: Pool;
  concurrency: number;
  durationMs: number;
  eventId: string;
  gaSectionId: string;
  seatIds: readonly string[];
  buyers: readonly Buyer[];
  holdSeconds: number;
  abandonRate: number;
  /** One kind of hold only (seats, or GA), to see which statement limits the rate; the mix otherwise. */
  only?: HoldRequest['kind'];
}

export interface BaselineResult {
  concurrency: number;
  windowMs: number;
  attempts: number;
  holdsOk: number;
  holdsPerSecond: number;
  attemptsPerSecond: number;
  holdLatencyOk: Percentiles;
  holdLatencyOkByKind: Record<HoldRequest['kind'], Percentiles>;
  holdLatencyAll: Percentiles;
  outcomes: Record<string, number>;
  errorSamples: string[];
}

/** The event's default hold, used for buyers who would pay (the baseline never confirms). */
const PAYING_HOLD_SECONDS = 600;

interface Run {
  cfg: BaselineConfig;
  belief: InventoryBelief;
  ok: LatencyLog;
  okByKind: Record<HoldRequest['kind'], LatencyLog>;
  all: LatencyLog;
  outcomes: Counter;
  errorSamples: Set<string>;
}

function commandFor(cfg: BaselineConfig, request: HoldRequest, heldUntil: Date): HoldCommand {
  const buyer = cfg.buyers[Math.floor(Math.random() * cfg.buyers.length)] as Buyer;
  return {
    reservationId: randomUUID(),
    eventId: cfg.eventId,
    userId: buyer.id,
    seatIds: request.kind === 'seats' ? request.seatIds : [],
    ga: request.kind === 'ga' ? [{ section_id: cfg.gaSectionId, quantity: request.quantity }] : [],
    heldUntil,
    maxExtensions: 1,
    idempotencyKey: null,
  };
}

async function oneHold(run: Run): Promise<void> {
  const abandon = Math.random() < run.cfg.abandonRate;
  const request = run.belief.nextRequest(Date.now(), run.cfg.only);
  if (request.kind === 'seats' && request.seatIds.length === 0) {
    // Every seat is held: waiting for abandoned ones to lapse is not the statement's cost.
    await new Promise((resolve) => setTimeout(resolve, 50));
    return;
  }
  const heldUntil = new Date(Date.now() + (abandon ? run.cfg.holdSeconds : PAYING_HOLD_SECONDS) * 1000);
  const started = performance.now();
  try {
    await holdInventory(run.cfg.pool, commandFor(run.cfg, request, heldUntil));
    const ms = performance.now() - started;
    run.ok.add(ms);
    run.okByKind[request.kind].add(ms);
    run.all.add(ms);
    run.outcomes.inc('HELD');
    // No workflow releases these: an abandoned hold simply lapses, and the next hold reclaims it.
    run.belief.held(request.kind === 'seats' ? request.seatIds : [], abandon ? heldUntil.getTime() : null);
  } catch (err) {
    run.all.add(performance.now() - started);
    if (err instanceof AppError) {
      run.outcomes.inc(err.code);
      const unavailable = err.details.unavailable_seats;
      if (Array.isArray(unavailable)) run.belief.unavailable(unavailable.filter((s): s is string => typeof s === 'string'));
      return;
    }
    run.outcomes.inc('ERROR');
    if (run.errorSamples.size < 10) run.errorSamples.add(err instanceof Error ? err.message : String(err));
  }
}

export async function runBaseline(cfg: BaselineConfig): Promise<BaselineResult> {
  const run: Run = {
    cfg,
    belief: new InventoryBelief(cfg.seatIds),
    ok: new LatencyLog(),
    okByKind: { seats: new LatencyLog(), ga: new LatencyLog() },
    all: new LatencyLog(),
    outcomes: new Counter(),
    errorSamples: new Set(),
  };
  const start = performance.now();
  const lane = async (): Promise<void> => {
    while (performance.now() - start < cfg.durationMs) await oneHold(run);
  };
  await Promise.all(Array.from({ length: cfg.concurrency }, lane));
  const windowMs = performance.now() - start;
  return {
    concurrency: cfg.concurrency,
    windowMs,
    attempts: run.all.count,
    holdsOk: run.ok.count,
    holdsPerSecond: perSecond(run.ok.count, windowMs),
    attemptsPerSecond: perSecond(run.all.count, windowMs),
    holdLatencyOk: run.ok.summary(),
    holdLatencyOkByKind: { seats: run.okByKind.seats.summary(), ga: run.okByKind.ga.summary() },
    holdLatencyAll: run.all.summary(),
    outcomes: run.outcomes.toJSON(),
    errorSamples: [...run.errorSamples],
  };
}
