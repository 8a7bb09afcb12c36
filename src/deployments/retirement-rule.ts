/**
 * When a build's code may leave. Pure, with tests of its own (test/deployments/retirement-rule.test.ts).
 *
 * A build retires when it is not the build new runs start on, no run pinned to it is open, and it has
 * been out of service long enough for the visibility store (which counts the open runs) to have seen
 * every run started on it: the grace covers a run started in the last moments before the switch.
 */
export interface BuildStanding {
  buildId: string;
  isCurrent: boolean;
  /** Open runs pinned to it, from visibility. */
  openRuns: number;
  /** Since when no new run starts on it: when another build became current, or when it was registered if it never was. */
  outOfServiceSince: Date;
}

export type RetirementDecision = { retire: true } | { retire: false; reason: 'CURRENT' | 'OPEN_RUNS' | 'GRACE' };

export function retirementDecision(build: BuildStanding, now: Date, graceMs: number): RetirementDecision {
  if (build.isCurrent) return { retire: false, reason: 'CURRENT' };
  if (build.openRuns > 0) return { retire: false, reason: 'OPEN_RUNS' };
  if (now.getTime() - build.outOfServiceSince.getTime() < graceMs) return { retire: false, reason: 'GRACE' };
  return { retire: true };
}
