import { allHandlersFinished, condition, continueAsNew, log, setHandler, setWorkflowOptions, sleep, workflowInfo } from '@temporalio/workflow';
import { decidePrices, nextChangeAt, nextPeriodEnd } from '../domain/demand-pricing-rule';
import type { PricingCarried, PricingInput, PricingMeasure, PricingOutcome, PricingPhase, PricingView } from '../domain/pricing';
import { isActivityFailure } from './failures';
import { applyPrices, endPricing, measureDemand } from './pricing-activities';
import { pricingQuery } from './pricing-definitions';

/** Continue as new past this many history events, unless the input says otherwise (or the server suggests it first). */
export const PRICING_MAX_HISTORY_EVENTS = 4000;
/** A period whose figures could not be read or written is tried again this much later (well inside any period). */
const RETRY_MS = 15_000;

/**
 * The prices of one DEMAND event, for as long as its sale runs.
 *
 * One durable timer per period: at each period's end it measures every section (sold, held, the
 * waiting room) in an activity, runs THE RULE (src/domain/demand-pricing-rule.ts) on those figures,
 * and applies the new prices with the figures in one transaction, which also says when prices move
 * next. The schedule is the event's (event_pricing.next_change_at): a period missed while no worker
 * ran is skipped, never caught up, so a price moves at most once per period. It ends when the event
 * starts or is cancelled (seen at its next look), and continues as new long before its history grows.
 */
export async function pricingWorkflow(input: PricingInput): Promise<PricingOutcome> {
  const carried: PricingCarried = input.carried ?? { runs: 0, periods: 0, changes: 0 };
  const state: PricingCarried = { ...carried, runs: carried.runs + 1 };
  let phase: PricingPhase = 'WAITING_FOR_PERIOD';
  let nextAtMs: number | null = input.notBeforeMs;
  let last: PricingView['last'] = [];
  let sectionIds: string[] = [];
  setHandler(pricingQuery, view);

  // The creating transaction commits after this run starts: nothing is looked at before the first period ends.
  await sleepUntil(input.notBeforeMs);
  for (;;) {
    if (historyFull()) {
      await condition(allHandlersFinished);
      return continueAsNew<typeof pricingWorkflow>({ ...input, notBeforeMs: nextAtMs ?? Date.now(), carried: state });
    }
    let measure: PricingMeasure;
    try {
      measure = await measureDemand({ eventId: input.eventId });
    } catch (err) {
      if (!isActivityFailure(err)) throw err;
      log.warn('pricing: demand not measured', { eventId: input.eventId, error: String(err.cause ?? err) });
      await sleep(RETRY_MS);
      continue;
    }
    const now = Date.now();
    if (measure.eventStatus === 'MISSING') return end('MISSING');
    sectionIds = measure.sections.map((s) => s.sectionId);
    if (!measure.demand) return end('NOT_DEMAND');
    if (measure.eventStatus === 'CANCELLED') return end('CANCELLED');
    if (now >= measure.startsAtMs) return end('STARTED');
    nextAtMs = measure.nextChangeAtMs;
    if (nextAtMs === null || now < nextAtMs) {
      await sleepUntil(Math.min(nextAtMs ?? measure.startsAtMs, measure.startsAtMs));
      continue;
    }

    // A period has ended: its prices, decided once from what was just measured.
    const decisions = decidePrices(measure.sections, measure.queueWaiting, { nowMs: now, opensAtMs: measure.opensAtMs, startsAtMs: measure.startsAtMs }, measure.terms);
    const following = nextChangeAt(nextPeriodEnd(nextAtMs, measure.terms.periodSeconds, now), measure.startsAtMs);
    try {
      const outcome = await applyPrices({
        eventId: input.eventId,
        periodAtMs: nextAtMs,
        nextChangeAtMs: following,
        changes: decisions.map((d) => ({ sectionId: d.sectionId, oldPriceCents: d.oldPriceCents, newPriceCents: d.newPriceCents, stepPercent: d.stepPercent, figures: d.figures })),
      });
      // Not applied: applied already (a lost answer), or the event was cancelled meanwhile; the next look tells.
      if (!outcome.applied) continue;
      state.periods += 1;
      state.changes += outcome.changed;
      last = decisions.map((d) => ({ sectionId: d.sectionId, oldPriceCents: d.oldPriceCents, newPriceCents: d.newPriceCents, direction: d.direction }));
      nextAtMs = following;
    } catch (err) {
      if (!isActivityFailure(err)) throw err;
      log.warn('pricing: period not applied', { eventId: input.eventId, error: String(err.cause ?? err) });
      await sleep(RETRY_MS);
      continue;
    }
    await sleepUntil(Math.min(following ?? measure.startsAtMs, measure.startsAtMs));
  }

  async function end(reason: PricingOutcome['reason']): Promise<PricingOutcome> {
    phase = 'ENDED';
    nextAtMs = null;
    if (reason === 'STARTED' || reason === 'CANCELLED') {
      // Best effort: a page shows no next change for a cancelled event anyway, and the last period
      // before the start already said there is none.
      await endPricing({ eventId: input.eventId, sectionIds }).catch((err: unknown) => {
        if (!isActivityFailure(err)) throw err;
        log.warn('pricing: end not recorded', { eventId: input.eventId, error: String(err.cause ?? err) });
      });
    }
    await condition(allHandlersFinished);
    log.info('pricing ended', { eventId: input.eventId, reason, periods: state.periods, changes: state.changes });
    return { phase: 'ENDED', reason, periods: state.periods, changes: state.changes };
  }

  function historyFull(): boolean {
    const info = workflowInfo();
    return info.continueAsNewSuggested || info.historyLength >= (input.maxHistoryEvents ?? PRICING_MAX_HISTORY_EVENTS);
  }

  function view(): PricingView {
    return { eventId: input.eventId, phase, nextChangeAtMs: nextAtMs, runs: state.runs, periods: state.periods, changes: state.changes, last };
  }
}

/** One durable timer until `atMs` (none when it has passed). */
async function sleepUntil(atMs: number): Promise<void> {
  const ms = atMs - Date.now();
  if (ms > 0) await sleep(ms);
}

/**
 * A sale's pricing lives as long as the sale (days, weeks): it moves to each new build on its next task
 * instead of keeping an old build alive, so a change to it must replay its recorded histories
 * (patched() where it would not; docs/upgrades.md). Said only to a versioned worker: an unversioned
 * one (WORKER_VERSIONING=off, tests) may not name a behaviour. An unversioned worker's tasks carry a
 * version too (its build id, with no deployment name), so the deployment name is what tells them apart.
 */
setWorkflowOptions(() => (workflowInfo().currentDeploymentVersion?.deploymentName ? { versioningBehavior: 'AUTO_UPGRADE' } : {}), pricingWorkflow);
