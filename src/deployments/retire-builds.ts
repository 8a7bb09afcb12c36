import type { Redis } from 'ioredis';
import type { Pool } from 'pg';
import { listBuilds, retireBuild } from './build-registry';
import { retirementDecision, type RetirementDecision } from './retirement-rule';
import { announceRetirement } from './retirement-channel';
import { currentBuildId, drainageStatus, openPinnedRuns, type DeploymentRef } from './worker-deployment';

export interface BuildReport {
  buildId: string;
  openRuns: number;
  decision: RetirementDecision;
  /** The server's own view (DRAINING, DRAINED), for operators. */
  drainage: string | null;
}

export interface RetirementReport {
  current: string | null;
  retired: string[];
  builds: BuildReport[];
}

/**
 * Looks at every live build and retires those no run can need any more (retirement-rule.ts): its bundle
 * leaves the registry and the workers serving it are told to stop. Safe to run anywhere, any number of
 * times (the registry's update decides who retires a build).
 */
export async function retireDrainedBuilds(deps: { pool: Pool; redis: Redis; ref: DeploymentRef; graceMs: number; now?: Date }): Promise<RetirementReport> {
  const now = deps.now ?? new Date();
  const current = await currentBuildId(deps.ref);
  const builds = (await listBuilds(deps.pool, deps.ref.deploymentName)).filter((b) => b.retiredAt === null);
  const report: RetirementReport = { current, retired: [], builds: [] };
  for (const build of builds) {
    const openRuns = await openPinnedRuns(deps.ref, build.buildId);
    const decision = retirementDecision(
      { buildId: build.buildId, isCurrent: build.buildId === current, openRuns, outOfServiceSince: build.supersededAt ?? build.registeredAt },
      now,
      deps.graceMs,
    );
    report.builds.push({ buildId: build.buildId, openRuns, decision, drainage: await drainageStatus(deps.ref, build.buildId) });
    if (decision.retire && (await retireBuild(deps.pool, deps.ref.deploymentName, build.buildId))) {
      report.retired.push(build.buildId);
      await announceRetirement(deps.redis, deps.ref.deploymentName, build.buildId);
    }
  }
  return report;
}
