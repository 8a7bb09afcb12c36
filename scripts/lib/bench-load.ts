/**
 * The flash sale itself: open-loop load against the API. Attempts are started on a fixed schedule
 * (--rate per second) whatever the server's latency, so a slow server shows up as latency and not as
 * a politely reduced request rate. Each attempt is made by a random idle buyer; a buyer is busy for
 * its hold and, if it pays, its confirm. Only if all buyers are busy does an attempt wait, and that
 * wait is reported separately (client queue delay) so it is never hidden.
 */
import { arrayField, stringField, type ApiClient, type JsonResponse } from './bench-http';
import { InventoryBelief, type HoldRequest } from './bench-mix';
import type { Buyer } from './bench-setup';
import { Counter, LatencyLog, summarize, type Percentiles } from './bench-stats';

export interface LoadConfig {
  api: ApiClient;
  buyers: readonly Buyer[];
  eventId: string;
  gaSectionId: string;
  seatIds: readonly string[];
  rate: number;
  durationMs: number;
  holdSeconds: number;
  abandonRate: number;
  /** Called about once a second while load is offered. */
  onProgress(progress: LoadProgress): void;
}

/** What one buyer's turn needs (the waiting room makes turns of its own, outside runLoad's schedule). */
export type AttemptConfig = Pick<LoadConfig, 'api' | 'eventId' | 'gaSectionId' | 'holdSeconds' | 'abandonRate'>;

export interface LoadProgress {
  elapsedMs: number;
  attempts: number;
  holdsOk: number;
  conflicts: number;
  errors: number;
  holdsLastSecond: number;
  holdP95Ms: number | null;
}

export interface AbandonedHold {
  reservationId: string;
  heldUntil: number;
}

/** A paying buyer's hold whose confirm did not answer CONFIRMED (listed in the JSON for diagnosis). */
export interface UnpaidHold {
  reservationId: string;
  confirmStatus: number | string;
}

export interface LoadResult {
  windowMs: number;
  /** From the end of the window until the last in-flight request answered. */
  drainMs: number;
  /** Attempts scheduled in the window (rate x duration). */
  offered: number;
  /** Scheduled attempts no buyer was free to start before the window closed (dropped). */
  notStarted: number;
  attempts: number;
  holdsOk: number;
  conflicts: number;
  errors: number;
  holdLatencyOk: Percentiles;
  /** Successful holds split by what they asked for: seats lock seat rows, GA holds all queue on one counter row. */
  holdLatencyOkByKind: Record<HoldRequest['kind'], Percentiles>;
  holdLatencyAll: Percentiles;
  confirmLatency: Percentiles;
  clientQueueDelay: Percentiles;
  attemptsThatWaitedForABuyer: number;
  holdStatus: Record<string, number>;
  holdErrorCodes: Record<string, number>;
  confirmStatus: Record<string, number>;
  confirmErrorCodes: Record<string, number>;
  requestMix: Record<string, number>;
  confirmed: number;
  abandoned: AbandonedHold[];
  unpaid: UnpaidHold[];
  /** First few distinct unexpected answers, so a failing run says why. */
  errorSamples: string[];
}

const TICK_MS = 5;
const PROGRESS_EVERY_MS = 1000;
const MAX_ERROR_SAMPLES = 10;

interface Attempt {
  scheduledAt: number;
}

/** Mutable tallies of one run, kept together so the attempt code stays short. */
export class Tally {
  attempts = 0;
  holdsOk = 0;
  conflicts = 0;
  errors = 0;
  confirmed = 0;
  waitedForBuyer = 0;
  readonly holdOk = new LatencyLog();
  readonly holdOkByKind = { seats: new LatencyLog(), ga: new LatencyLog() };
  readonly holdAll = new LatencyLog();
  readonly confirm = new LatencyLog();
  readonly queueDelay: number[] = [];
  readonly holdStatus = new Counter();
  readonly holdErrors = new Counter();
  readonly confirmStatus = new Counter();
  readonly confirmErrors = new Counter();
  readonly mix = new Counter();
  readonly abandoned: AbandonedHold[] = [];
  readonly unpaid: UnpaidHold[] = [];
  readonly errorSamples = new Set<string>();

  sampleError(what: string): void {
    if (this.errorSamples.size < MAX_ERROR_SAMPLES) this.errorSamples.add(what.slice(0, 300));
  }
}

function errorCode(res: JsonResponse): string {
  return stringField(res.body, 'error') ?? `HTTP_${res.status}`;
}

function holdBody(cfg: AttemptConfig, request: HoldRequest, abandon: boolean): Record<string, unknown> {
  return {
    event_id: cfg.eventId,
    ...(request.kind === 'seats' ? { seat_ids: request.seatIds } : { ga: [{ section_id: cfg.gaSectionId, quantity: request.quantity }] }),
    // Buyers who will abandon ask for a short hold so it expires, and is released, inside the run.
    ...(abandon ? { hold_duration_seconds: cfg.holdSeconds } : {}),
  };
}

async function timed(fn: () => Promise<JsonResponse>): Promise<{ res: JsonResponse | Error; ms: number }> {
  const started = performance.now();
  try {
    const res = await fn();
    return { res, ms: performance.now() - started };
  } catch (err) {
    return { res: err instanceof Error ? err : new Error(String(err)), ms: performance.now() - started };
  }
}

async function confirm(cfg: AttemptConfig, tally: Tally, buyer: Buyer, reservationId: string): Promise<void> {
  const { res, ms } = await timed(() =>
    cfg.api.call('POST', `/api/v1/reservations/${reservationId}/confirm`, { payment_method_id: 'pm_card_visa' }, buyer.token),
  );
  if (res instanceof Error) {
    tally.confirmStatus.inc('NETWORK_ERROR');
    tally.sampleError(`confirm: ${res.message}`);
    tally.unpaid.push({ reservationId, confirmStatus: 'NETWORK_ERROR' });
    return;
  }
  tally.confirm.add(ms);
  tally.confirmStatus.inc(String(res.status));
  if (res.status === 200 && stringField(res.body, 'status') === 'CONFIRMED') {
    tally.confirmed++;
    return;
  }
  tally.confirmErrors.inc(errorCode(res));
  tally.sampleError(`confirm ${res.status}: ${JSON.stringify(res.body)}`);
  tally.unpaid.push({ reservationId, confirmStatus: res.status });
}

/** One buyer's turn: a hold, then either walk away (the hold expires) or pay for it. */
export async function attempt(cfg: AttemptConfig, tally: Tally, belief: InventoryBelief, buyer: Buyer): Promise<void> {
  const abandon = Math.random() < cfg.abandonRate;
  const request = belief.nextRequest();
  tally.mix.inc(request.kind);
  const queueToken = buyer.queueToken ? { 'x-queue-token': buyer.queueToken } : undefined;
  const { res, ms } = await timed(() => cfg.api.call('POST', '/api/v1/reservations', holdBody(cfg, request, abandon), buyer.token, queueToken));
  tally.holdAll.add(ms);
  if (res instanceof Error) {
    tally.errors++;
    tally.holdStatus.inc('NETWORK_ERROR');
    tally.sampleError(`hold: ${res.message}`);
    return;
  }
  tally.holdStatus.inc(String(res.status));
  if (res.status === 201) {
    tally.holdsOk++;
    tally.holdOk.add(ms);
    tally.holdOkByKind[request.kind].add(ms);
    await afterHold(cfg, tally, belief, buyer, request, res, abandon);
    return;
  }
  tally.holdErrors.inc(errorCode(res));
  if (res.status === 409) {
    tally.conflicts++;
    belief.unavailable(arrayField(res.body, 'unavailable_seats').filter((s): s is string => typeof s === 'string'));
    return;
  }
  tally.errors++;
  tally.sampleError(`hold ${res.status}: ${JSON.stringify(res.body)}`);
}

async function afterHold(
  cfg: AttemptConfig,
  tally: Tally,
  belief: InventoryBelief,
  buyer: Buyer,
  request: HoldRequest,
  res: JsonResponse,
  abandon: boolean,
): Promise<void> {
  const reservationId = stringField(res.body, 'reservation_id') ?? '';
  const seatIds = request.kind === 'seats' ? request.seatIds : [];
  if (abandon) {
    const parsed = Date.parse(stringField(res.body, 'held_until') ?? '');
    const heldUntil = Number.isFinite(parsed) ? parsed : Date.now() + cfg.holdSeconds * 1000;
    belief.held(seatIds, heldUntil);
    tally.abandoned.push({ reservationId, heldUntil });
    return;
  }
  belief.held(seatIds, null);
  await confirm(cfg, tally, buyer, reservationId);
}

function progressOf(tally: Tally, elapsedMs: number): LoadProgress {
  return {
    elapsedMs,
    attempts: tally.attempts,
    holdsOk: tally.holdsOk,
    conflicts: tally.conflicts,
    errors: tally.errors,
    holdsLastSecond: tally.holdOk.countSince(1000),
    holdP95Ms: tally.holdOk.summary().p95_ms,
  };
}

export async function runLoad(cfg: LoadConfig): Promise<LoadResult> {
  const tally = new Tally();
  const belief = new InventoryBelief(cfg.seatIds);
  const idle: Buyer[] = [...cfg.buyers];
  const queue: Attempt[] = [];
  const inFlight = new Set<Promise<void>>();
  const intervalMs = 1000 / cfg.rate;
  const start = performance.now();
  let scheduled = 0;

  /** `freed`: a buyer just became idle, so whatever is still queued had to wait for one. */
  const dispatch = (why: 'tick' | 'freed'): void => {
    while (queue.length > 0 && idle.length > 0) {
      const next = queue.shift() as Attempt;
      const pick = Math.floor(Math.random() * idle.length);
      const buyer = idle[pick] as Buyer;
      idle[pick] = idle[idle.length - 1] as Buyer;
      idle.pop();
      tally.queueDelay.push(performance.now() - next.scheduledAt);
      if (why === 'freed') tally.waitedForBuyer++;
      tally.attempts++;
      const run: Promise<void> = attempt(cfg, tally, belief, buyer)
        .catch((err: unknown) => {
          tally.errors++;
          tally.sampleError(`bench bug: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
        })
        .finally(() => {
          inFlight.delete(run);
          idle.push(buyer);
          dispatch('freed');
        });
      inFlight.add(run);
    }
  };

  let lastProgress = start;
  while (performance.now() - start < cfg.durationMs) {
    const now = performance.now();
    // Catch up on every attempt due by now, each stamped with its own scheduled time.
    const due = Math.min(Math.floor((now - start) / intervalMs) + 1, Math.ceil(cfg.durationMs / intervalMs));
    for (; scheduled < due; scheduled++) queue.push({ scheduledAt: start + scheduled * intervalMs });
    dispatch('tick');
    if (now - lastProgress >= PROGRESS_EVERY_MS) {
      lastProgress = now;
      cfg.onProgress(progressOf(tally, now - start));
    }
    await new Promise((resolve) => setTimeout(resolve, TICK_MS));
  }
  const windowMs = performance.now() - start;
  // Attempts no buyer could start inside the window are dropped, not run late: that keeps the run
  // bounded in time when the server falls behind, and they are reported as not started.
  const notStarted = queue.splice(0).length;
  while (inFlight.size > 0) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    if (performance.now() - lastProgress >= PROGRESS_EVERY_MS || inFlight.size === 0) {
      lastProgress = performance.now();
      cfg.onProgress(progressOf(tally, lastProgress - start));
    }
  }
  return toResult(tally, windowMs, performance.now() - start - windowMs, scheduled, notStarted);
}

export function toResult(tally: Tally, windowMs: number, drainMs: number, offered: number, notStarted: number): LoadResult {
  return {
    windowMs,
    drainMs,
    offered,
    notStarted,
    attempts: tally.attempts,
    holdsOk: tally.holdsOk,
    conflicts: tally.conflicts,
    errors: tally.errors,
    holdLatencyOk: tally.holdOk.summary(),
    holdLatencyOkByKind: { seats: tally.holdOkByKind.seats.summary(), ga: tally.holdOkByKind.ga.summary() },
    holdLatencyAll: tally.holdAll.summary(),
    confirmLatency: tally.confirm.summary(),
    clientQueueDelay: summarize(tally.queueDelay),
    attemptsThatWaitedForABuyer: tally.waitedForBuyer,
    holdStatus: tally.holdStatus.toJSON(),
    holdErrorCodes: tally.holdErrors.toJSON(),
    confirmStatus: tally.confirmStatus.toJSON(),
    confirmErrorCodes: tally.confirmErrors.toJSON(),
    requestMix: tally.mix.toJSON(),
    confirmed: tally.confirmed,
    abandoned: tally.abandoned,
    unpaid: tally.unpaid,
    errorSamples: [...tally.errorSamples],
  };
}
