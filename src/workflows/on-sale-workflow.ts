import { allHandlersFinished, condition, continueAsNew, log, setHandler, setWorkflowOptions, uuid4, workflowInfo } from '@temporalio/workflow';
import type { OnSaleCarried, OnSaleInput, OnSaleLimits, OnSaleMeasure, OnSaleOutcome, OnSalePhase, OnSaleView } from '../domain/on-sale';
import { refillAdmissionBudget } from '../domain/admission-budget';
import { DEFAULT_ADMISSION_CONTROL, nextAdmissionRate, type AdmissionControl } from '../domain/admission-control';
import { businessFailure, isActivityFailure } from './failures';
import { admitFans, measureOnSale, placePreQueue, publishOnSale } from './on-sale-activities';
import { onSaleQuery, setOnSaleLimitsUpdate } from './on-sale-definitions';

/** Continue as new past this many history events, unless the input says otherwise (or the server suggests it first). */
export const ON_SALE_MAX_HISTORY_EVENTS = 4000;
/** The admission rate fans are told about is measured over this much recent time. */
const RATE_WINDOW_MS = 30_000;
/** While everything is sold or held, the room looks less often (tickets come back from refunds and lapsed holds). */
const SOLD_OUT_TICK_FACTOR = 5;

/**
 * The waiting room of one high-demand event, for as long as its sale runs.
 *
 * On every tick (a durable timer) it looks at the sale: fans waiting, admitted fans who have not
 * finished (an admitted fan finishes by buying, or when their token lapses with nothing held), and
 * the inventory left. It admits the next fans in join order while the unfinished ones stay under
 * maxActive and the admissions under maxAdmissionsPerSecond, so the holds never get more buyers than
 * the system serves: as fans finish, the next are let in. The rate itself follows what admitted fans
 * see: it grows while their holds answer within targetHoldP95Ms and is cut at once when they do not
 * (src/domain/admission-control.ts), within the operator's maximum. Fans who join before the sale opens wait in
 * a pre-queue; at opening the workflow draws a random order for them (placePreQueue) and places them
 * ahead of everyone who joins later, before it admits anyone. It pauses while everything left is in
 * someone's hold, reads SOLD_OUT while everything is sold (and admits again when tickets come back),
 * and ends when the event starts or is cancelled (CLOSED). Its history stays short: it continues as
 * new, carrying its counters, long before the history grows large.
 */
export async function onSaleWorkflow(input: OnSaleInput): Promise<OnSaleOutcome> {
  let limits: OnSaleLimits = { ...input.limits };
  let limitsChanged = 0;
  const carried: OnSaleCarried = input.carried ?? { admittedTotal: 0, finishedTotal: 0, budget: 0, recent: [], runs: 0, ticks: 0 };
  const state: OnSaleCarried = { ...carried, recent: [...carried.recent], runs: carried.runs + 1 };
  let phase: OnSalePhase = 'BEFORE_SALE';
  let last: OnSaleMeasure | null = null;
  let lastTickAt = Date.now();
  let lastLatencies: { count: number; p95Ms: number | null } = { count: 0, p95Ms: null };
  /** The operator's bounds and target, around the rule's defaults. */
  const control = (): AdmissionControl => ({
    ...DEFAULT_ADMISSION_CONTROL,
    maxPerSecond: limits.maxAdmissionsPerSecond,
    minPerSecond: Math.min(DEFAULT_ADMISSION_CONTROL.minPerSecond, limits.maxAdmissionsPerSecond),
    targetP95Ms: limits.targetHoldP95Ms ?? DEFAULT_ADMISSION_CONTROL.targetP95Ms,
  });
  /** The rate the room steers to now; it starts low and is raised by good news (slow start). */
  const rate = (): number =>
    Math.min(state.admissionRate ?? input.initialAdmissionsPerSecond ?? limits.maxAdmissionsPerSecond / 4, limits.maxAdmissionsPerSecond);

  setHandler(onSaleQuery, view);
  setHandler(
    setOnSaleLimitsUpdate,
    (change) => {
      limits = { ...limits, ...change };
      limitsChanged += 1;
      return view();
    },
    { validator: validateLimits },
  );

  if (input.closing) return end();
  for (;;) {
    const info = workflowInfo();
    if (historyFull()) {
      await condition(allHandlersFinished);
      return continueAsNew<typeof onSaleWorkflow>({ ...input, limits, carried: state });
    }
    state.ticks += 1;
    const now = Date.now();
    let measure: OnSaleMeasure;
    try {
      measure = await measureOnSale({ eventId: input.eventId, nowMs: now, minHoldSamples: control().minSamples });
    } catch (err) {
      if (!isActivityFailure(err)) throw err;
      // PostgreSQL or Redis is down: nobody is admitted this tick; the next one looks again.
      log.warn('on-sale tick failed', { eventId: input.eventId, error: String(err.cause ?? err) });
      await nextTick(limits.tickMs);
      continue;
    }
    last = measure;
    state.finishedTotal += measure.finished;

    if (measure.eventStatus !== 'SCHEDULED' || now >= measure.startsAtMs) return end();
    if (now < measure.opensAtMs) {
      phase = 'BEFORE_SALE';
      await publish('OPEN', measure.opensAtMs);
      // One durable timer until the sale opens (an operator's change of limits wakes it early).
      await nextTick(measure.opensAtMs - now);
      lastTickAt = Date.now();
      continue;
    }
    if (!state.preQueuePlaced) {
      // Before anyone is admitted: the pre-queue's order, drawn here once (the seed is in the history).
      state.preQueueSeed ??= uuid4();
      try {
        await placePreQueue({ eventId: input.eventId, seed: state.preQueueSeed });
        state.preQueuePlaced = true;
      } catch (err) {
        if (!isActivityFailure(err)) throw err;
        log.warn('pre-queue not placed yet', { eventId: input.eventId, error: String(err.cause ?? err) });
        await nextTick(limits.tickMs);
        continue;
      }
    }
    if (measure.available === 0 && measure.held === 0) {
      // Everything is sold: waiting fans keep their places and are told so; a refund may bring tickets back.
      phase = 'SOLD_OUT';
      await publish('SOLD_OUT', measure.opensAtMs).catch((err: unknown) => {
        if (!isActivityFailure(err)) throw err;
      });
      await nextTick(limits.tickMs * SOLD_OUT_TICK_FACTOR);
      lastTickAt = Date.now();
      continue;
    }

    const elapsedMs = now - lastTickAt;
    lastTickAt = now;
    // The rate follows what admitted fans saw since the last look (src/domain/admission-control.ts).
    lastLatencies = measure.holdLatencies ?? { count: 0, p95Ms: null };
    const steered = nextAdmissionRate(rate(), lastLatencies, state.rateWasTheLimit ?? false, elapsedMs, control());
    state.admissionRate = steered.rate;
    state.budget = refillAdmissionBudget({
      budget: steered.verdict === 'DECREASE' ? Math.min(state.budget, 1) : state.budget,
      perSecond: state.admissionRate,
      tickMs: limits.tickMs,
      elapsedMs,
      catchUp: true,
    });
    // Everything left is in someone's hold: wait for holds to be paid (sold out) or to lapse (back on sale).
    phase = measure.available === 0 ? 'PAUSED_NO_INVENTORY' : 'ADMITTING';
    const room = Math.max(limits.maxActive - measure.active, 0);
    const count = phase === 'ADMITTING' ? Math.min(Math.floor(state.budget), room, measure.waiting) : 0;
    // The rate was the limit when it admitted fewer than were waiting and the ceiling allowed.
    state.rateWasTheLimit = phase === 'ADMITTING' && Math.floor(state.budget) < Math.min(room, measure.waiting);
    let admitted = 0;
    try {
      if (count > 0) {
        ({ admitted } = await admitFans({ eventId: input.eventId, count, nowMs: now, windowSeconds: limits.admissionWindowSeconds, tickId: `${info.runId}:${state.ticks}` }));
      }
      state.budget -= admitted;
      state.admittedTotal += admitted;
      last = { ...measure, waiting: measure.waiting - admitted, active: measure.active + admitted };
      if (measure.waiting > 0) state.recent.push({ at: now, admitted });
      state.recent = state.recent.filter((r) => r.at > now - RATE_WINDOW_MS);
      await publish('OPEN', measure.opensAtMs);
    } catch (err) {
      if (!isActivityFailure(err)) throw err;
      log.warn('on-sale admission failed', { eventId: input.eventId, error: String(err.cause ?? err) });
    }
    await nextTick(limits.tickMs);
  }

  /** Sleeps on a durable timer; an operator's change of limits wakes it early. */
  async function nextTick(ms: number): Promise<void> {
    const seen = limitsChanged;
    await condition(() => limitsChanged !== seen, Math.max(ms, 1));
  }

  async function publish(roomState: 'OPEN' | 'SOLD_OUT' | 'CLOSED', opensAtMs: number): Promise<void> {
    await publishOnSale({ eventId: input.eventId, state: roomState, ratePerSecond: admissionRate(), maxRatePerSecond: rate(), opensAtMs });
  }

  function historyFull(): boolean {
    const info = workflowInfo();
    return info.continueAsNewSuggested || info.historyLength >= (input.maxHistoryEvents ?? ON_SALE_MAX_HISTORY_EVENTS);
  }

  /** The event started or was cancelled: waiting fans must learn it, published until it gets through. */
  async function end(): Promise<OnSaleOutcome> {
    phase = 'CLOSED';
    for (;;) {
      try {
        await publish('CLOSED', last?.opensAtMs ?? 0);
        break;
      } catch (err) {
        if (!isActivityFailure(err)) throw err;
        // A long Redis outage must not grow the history without bound.
        if (historyFull()) {
          await condition(allHandlersFinished);
          return continueAsNew<typeof onSaleWorkflow>({ ...input, limits, carried: state, closing: true });
        }
        await nextTick(limits.tickMs);
      }
    }
    await condition(allHandlersFinished);
    log.info('on-sale ended', { eventId: input.eventId, admitted: state.admittedTotal });
    return { phase: 'CLOSED', admittedTotal: state.admittedTotal, finishedTotal: state.finishedTotal };
  }

  /** Admissions per second over the recent ticks in which fans were waiting: what the room really does. */
  function admissionRate(): number | null {
    const first = state.recent[0];
    if (!first) return null;
    const spanSeconds = Math.max((Date.now() - first.at) / 1000, limits.tickMs / 1000);
    const admitted = state.recent.reduce((sum, r) => sum + r.admitted, 0);
    return Math.round((admitted / spanSeconds) * 100) / 100;
  }

  function view(): OnSaleView {
    return {
      eventId: input.eventId,
      phase,
      waiting: last?.waiting ?? 0,
      active: last?.active ?? 0,
      admittedTotal: state.admittedTotal,
      finishedTotal: state.finishedTotal,
      admissionRatePerSecond: admissionRate(),
      admissionRateLimitPerSecond: Math.round(rate() * 100) / 100,
      holdP95Ms: lastLatencies.p95Ms,
      holdSamples: lastLatencies.count,
      available: last?.available ?? 0,
      held: last?.held ?? 0,
      limits,
      runs: state.runs,
      ticks: state.ticks,
    };
  }
}

/**
 * A sale's room lives as long as the sale (hours): it moves to each new build on its next task instead of
 * keeping an old build alive, so a change to it must replay its recorded histories (patched() where it
 * would not; docs/upgrades.md). Said only to a versioned worker: an unversioned one (WORKER_VERSIONING=off,
 * tests) may not name a behaviour.
 */
setWorkflowOptions(() => (workflowInfo().currentDeploymentVersion?.deploymentName ? { versioningBehavior: 'AUTO_UPGRADE' } : {}), onSaleWorkflow);

/** Refuses, before anything reaches the history, limits the room cannot run with. */
function validateLimits(change: Partial<OnSaleLimits>): void {
  const bounds: Record<keyof OnSaleLimits, [number, number, boolean]> = {
    maxActive: [1, 1_000_000, true],
    maxAdmissionsPerSecond: [0.01, 100_000, false],
    admissionWindowSeconds: [1, 86_400, true],
    tickMs: [100, 60_000, true],
    targetHoldP95Ms: [10, 60_000, true],
  };
  for (const [key, value] of Object.entries(change) as Array<[keyof OnSaleLimits, unknown]>) {
    const bound = bounds[key];
    if (!bound) throw businessFailure('VALIDATION_ERROR', `unknown limit ${String(key)}`);
    const [min, max, integer] = bound;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
      throw businessFailure('VALIDATION_ERROR', `${key} must be ${integer ? 'an integer' : 'a number'} in [${min}, ${max}]`);
    }
  }
}
