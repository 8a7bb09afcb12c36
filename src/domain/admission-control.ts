/**
 * How fast the waiting room lets fans in, set by what admitted fans see: additive increase while their
 * holds answer in time, multiplicative decrease at once when they do not — the rule TCP's congestion
 * control uses, for the same reason: the capacity is unknown, shared and changes, and the only honest
 * signal of it is the latency of what was let through. Pure, with tests of its own
 * (test/domain/admission-control.test.ts); the on-sale workflow applies it once per tick.
 *
 * - Above target (the p95 of the holds admitted fans made since the last tick): the rate is cut to
 *   `decrease` × itself, at once, whatever the rate was (a queue builds fast).
 * - At or under target, and the rate was what held admissions back this tick (fans were waiting and
 *   the ceiling had room): the rate grows by `increase` per second of the tick. A rate that was not
 *   the limit (nobody waiting, or the ceiling full) does not grow: it would only promise capacity that
 *   was never tried.
 * - Too few holds to judge (fewer than `minSamples`): unchanged.
 * Always within [minPerSecond, maxPerSecond] (the operator's bound).
 */
export interface AdmissionControl {
  targetP95Ms: number;
  /** Admissions per second added per second of good news. */
  increasePerSecond: number;
  /** The factor applied on bad news. */
  decrease: number;
  minPerSecond: number;
  maxPerSecond: number;
  minSamples: number;
}

export const DEFAULT_ADMISSION_CONTROL: Omit<AdmissionControl, 'maxPerSecond'> = {
  targetP95Ms: 100,
  increasePerSecond: 0.5,
  decrease: 0.7,
  minPerSecond: 0.5,
  minSamples: 5,
};

export interface HoldLatencies {
  /** Holds reported since the last tick. */
  count: number;
  /** Their 95th percentile, in milliseconds (null without any). */
  p95Ms: number | null;
}

export type AdmissionVerdict = 'INCREASE' | 'DECREASE' | 'HOLD_STEADY';

export function nextAdmissionRate(
  rate: number,
  latencies: HoldLatencies,
  rateWasTheLimit: boolean,
  elapsedMs: number,
  control: AdmissionControl,
): { rate: number; verdict: AdmissionVerdict } {
  const clamp = (r: number): number => Math.min(control.maxPerSecond, Math.max(control.minPerSecond, r));
  if (latencies.count >= control.minSamples && latencies.p95Ms !== null && latencies.p95Ms > control.targetP95Ms) {
    return { rate: clamp(rate * control.decrease), verdict: 'DECREASE' };
  }
  if (latencies.count >= control.minSamples && rateWasTheLimit) {
    return { rate: clamp(rate + (control.increasePerSecond * Math.max(elapsedMs, 0)) / 1000), verdict: 'INCREASE' };
  }
  return { rate: clamp(rate), verdict: 'HOLD_STEADY' };
}

/** The p95 of a sample of latencies (nearest rank), for the measure step. */
export function p95(samples: readonly number[]): number | null {
  if (samples.length === 0) return null;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(0.95 * sorted.length) - 1)] ?? null;
}
