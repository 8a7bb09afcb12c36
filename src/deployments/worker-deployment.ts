import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

/**
 * What the project asks of Temporal's Worker Deployments (Worker Versioning): which build new runs
 * start on, how many runs a build still has open, and where runs started before versioning go.
 * Operators see the same in the Web UI (Deployments) and with `temporal worker deployment describe`.
 */
export interface DeploymentRef {
  client: Client;
  namespace: string;
  deploymentName: string;
}

export function versionString(deploymentName: string, buildId: string): string {
  return `${deploymentName}:${buildId}`;
}

/** The build new runs start on now, or null (none yet: unversioned workers get them). */
export async function currentBuildId(ref: DeploymentRef): Promise<string | null> {
  try {
    const described = await ref.client.workflowService.describeWorkerDeployment({ namespace: ref.namespace, deploymentName: ref.deploymentName });
    return described.workerDeploymentInfo?.routingConfig?.currentDeploymentVersion?.buildId || null;
  } catch (err) {
    if (isNotFound(err)) return null;
    throw err;
  }
}

/**
 * Makes `buildId` the build new runs start on. The server knows a version only once one of its workers
 * has polled, so this retries for a while after a worker starts.
 */
export async function makeCurrent(ref: DeploymentRef, buildId: string, options: { timeoutMs?: number; identity?: string } = {}): Promise<'promoted' | 'already current'> {
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  for (let attempt = 1; ; attempt++) {
    try {
      if ((await currentBuildId(ref)) === buildId) return 'already current';
      await ref.client.workflowService.setWorkerDeploymentCurrentVersion({
        namespace: ref.namespace,
        deploymentName: ref.deploymentName,
        buildId,
        identity: options.identity ?? 'ticket-inventory worker',
      });
      return 'promoted';
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, Math.min(200 * attempt, 2000)));
    }
  }
}

/**
 * Runs still open on a build and pinned to it (an AUTO_UPGRADE run moves to the current build on its
 * next task, so it does not keep an old build alive).
 */
export async function openPinnedRuns(ref: DeploymentRef, buildId: string): Promise<number> {
  const query =
    `TemporalWorkerDeploymentVersion = '${versionString(ref.deploymentName, buildId)}' AND ExecutionStatus = 'Running' ` +
    `AND TemporalWorkflowVersioningBehavior != 'AutoUpgrade'`;
  return (await ref.client.workflow.count(query)).count;
}

/** Open runs on the task queue that were started before Worker Versioning (no build recorded). */
export function unversionedRunsQuery(taskQueue: string): string {
  return `TemporalWorkerDeploymentVersion IS NULL AND ExecutionStatus = 'Running' AND TaskQueue = '${taskQueue}'`;
}

export async function countUnversionedRuns(ref: DeploymentRef, taskQueue: string): Promise<number> {
  return (await ref.client.workflow.count(unversionedRunsQuery(taskQueue))).count;
}

/**
 * Pins every open run started before Worker Versioning to `buildId` (the build made from the last
 * release before it), so each finishes on the code it started on. Retries a run whose version the
 * server does not know yet (its worker has not polled). Returns how many were pinned.
 */
export async function pinUnversionedRuns(ref: DeploymentRef, taskQueue: string, buildId: string, options: { timeoutMs?: number } = {}): Promise<number> {
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  let pinned = 0;
  for await (const run of ref.client.workflow.list({ query: unversionedRunsQuery(taskQueue) })) {
    for (let attempt = 1; ; attempt++) {
      try {
        await ref.client.workflowService.updateWorkflowExecutionOptions({
          namespace: ref.namespace,
          workflowExecution: { workflowId: run.workflowId, runId: run.runId },
          workflowExecutionOptions: {
            versioningOverride: { pinned: { behavior: temporal.api.workflow.v1.VersioningOverride.PinnedOverrideBehavior.PINNED_OVERRIDE_BEHAVIOR_PINNED, version: { deploymentName: ref.deploymentName, buildId } } },
          },
          updateMask: { paths: ['versioning_override'] },
        });
        pinned += 1;
        break;
      } catch (err) {
        if (!(await isRunning(ref, run.workflowId, run.runId))) break; // it ended meanwhile
        if (Date.now() > deadline) throw err;
        await new Promise((resolve) => setTimeout(resolve, Math.min(200 * attempt, 2000)));
      }
    }
  }
  return pinned;
}

/** The server's own view of a build's drain (DRAINING, DRAINED), for operators' reports. */
export async function drainageStatus(ref: DeploymentRef, buildId: string): Promise<string | null> {
  try {
    const described = await ref.client.workflowService.describeWorkerDeploymentVersion({
      namespace: ref.namespace,
      deploymentVersion: { deploymentName: ref.deploymentName, buildId },
    });
    const status = described.workerDeploymentVersionInfo?.drainageInfo?.status;
    return status ? temporal.api.enums.v1.VersionDrainageStatus[status]?.replace('VERSION_DRAINAGE_STATUS_', '') ?? null : null;
  } catch (err) {
    if (isNotFound(err)) return null;
    throw err;
  }
}

async function isRunning(ref: DeploymentRef, workflowId: string, runId: string): Promise<boolean> {
  const described = await ref.client.workflow.getHandle(workflowId, runId).describe().catch(() => null);
  return described?.status.name === 'RUNNING';
}

function isNotFound(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: number }).code === 5;
}
