import { proxyActivities } from '@temporalio/workflow';
import type { DeploymentActivities } from '../activities/deployment-activities';
import type { RetirementReport } from '../deployments/retire-builds';

const { retireDrainedBuilds } = proxyActivities<DeploymentActivities>({
  startToCloseTimeout: '2m',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m', maximumAttempts: 5 },
});

/**
 * Retires the builds of the workflow code that no open run needs any more (Worker Versioning: a run
 * finishes on the build it started on). Started by the `retire-builds` Schedule; its result, in the
 * Web UI, says which builds are still draining and why.
 */
export async function retireBuildsWorkflow(): Promise<RetirementReport> {
  return retireDrainedBuilds();
}
