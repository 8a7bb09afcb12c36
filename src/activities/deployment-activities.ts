import type { Client } from '@temporalio/client';
import type { Redis } from 'ioredis';
import type { Pool } from 'pg';
import { retireDrainedBuilds, type RetirementReport } from '../deployments/retire-builds';

export interface DeploymentActivityDeps {
  pool: Pool;
  redis: Redis;
  temporal: Client;
  namespace: string;
  deploymentName: string;
  /** How long a build must have been out of service before it may retire (retirement-rule.ts). */
  retireAfterMs: number;
}

/** The build-retirement workflow's one step (docs/upgrades.md). */
export function createDeploymentActivities(deps: DeploymentActivityDeps) {
  return {
    async retireDrainedBuilds(): Promise<RetirementReport> {
      return retireDrainedBuilds({
        pool: deps.pool,
        redis: deps.redis,
        ref: { client: deps.temporal, namespace: deps.namespace, deploymentName: deps.deploymentName },
        graceMs: deps.retireAfterMs,
      });
    },
  };
}

export type DeploymentActivities = ReturnType<typeof createDeploymentActivities>;
