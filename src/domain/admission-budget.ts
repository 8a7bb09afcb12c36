/**
 * How many fans an on-sale tick may admit: a token bucket filled at the rate admission control steered to for the time
 * since the last tick. Pure, so the workflow stays deterministic and the arithmetic has tests of its own.
 */
export interface BudgetInput {
  budget: number;
  perSecond: number;
  tickMs: number;
  elapsedMs: number;
  /**
   * Without it the bucket holds one nominal tick's worth at most, so a tick that comes late (the look at
   * the sale took time, the machine is busy) loses the rest and the room admits below its rate for good
   * (docs/benchmarks.md, the waiting-room runs). With it the bucket holds what the time since the last
   * tick earned, up to three ticks' worth: the rate holds on average while ticks are up to 3x late, and a long pause (the
   * sale paused, the worker away) is not paid back as one burst.
   */
  catchUp: boolean;
}

const MAX_CATCH_UP_TICKS = 3;

export function refillAdmissionBudget({ budget, perSecond, tickMs, elapsedMs, catchUp }: BudgetInput): number {
  const earned = (perSecond * Math.max(elapsedMs, 0)) / 1000;
  const interval = catchUp ? Math.min(Math.max(tickMs, elapsedMs), MAX_CATCH_UP_TICKS * tickMs) : tickMs;
  return Math.min(budget + earned, Math.max((perSecond * interval) / 1000, 1));
}
