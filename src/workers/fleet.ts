import type { Client } from '@temporalio/client';
import { Worker, type NativeConnection, type WorkerOptions } from '@temporalio/worker';
import type { Redis } from 'ioredis';
import type { Pool } from 'pg';
import type { Config } from '../config';
import { liveBuilds, markCurrent, registerBuild } from '../deployments/build-registry';
import { onRetirement } from '../deployments/retirement-channel';
import { makeCurrent, pinUnversionedRuns, type DeploymentRef } from '../deployments/worker-deployment';
import { workerTuning, type WorkerTuning } from './create-worker';
import type { WorkflowBuild } from './workflow-bundle';

export interface FleetDeps {
  config: WorkerTuning & Pick<Config, 'TEMPORAL_NAMESPACE' | 'TEMPORAL_TASK_QUEUE' | 'WORKER_DEPLOYMENT_NAME' | 'WORKER_PROMOTE'>;
  connection: NativeConnection;
  client: Client;
  pool: Pool;
  /** A Redis connection of its own: it listens for retired builds (pub/sub). */
  subscriber: Redis;
  activities: NonNullable<WorkerOptions['activities']>;
  build: WorkflowBuild & { sourceCommit?: string | null };
  log: (message: string) => void;
  shutdownGraceTime?: WorkerOptions['shutdownGraceTime'];
}

export interface Fleet {
  buildId: string;
  /** Builds this process serves while their runs drain. */
  draining(): string[];
  /** Settles once runs started before versioning are pinned and this build is current (if it promotes). */
  ready: Promise<void>;
  /** Resolves once every Worker has stopped. */
  run(): Promise<void>;
  shutdown(): void;
}

/**
 * The Workers of one worker process under Worker Versioning (docs/upgrades.md): one for this process's
 * build of the workflow code, and one for every earlier build that may still have runs pinned to it,
 * from the bundles kept in PostgreSQL. New runs start on this build once it is made current; a run
 * already open finishes on the build it started on; an earlier build's Worker stops when the
 * `retire-builds` Schedule finds no run needs it any more. Every Worker has the same activities.
 */
export async function startFleet(deps: FleetDeps): Promise<Fleet> {
  const { config, build, log } = deps;
  const ref: DeploymentRef = { client: deps.client, namespace: config.TEMPORAL_NAMESPACE, deploymentName: config.WORKER_DEPLOYMENT_NAME };
  await registerBuild(deps.pool, ref.deploymentName, { buildId: build.buildId, code: build.code, sourceCommit: build.sourceCommit ?? null });
  const older = await liveBuilds(deps.pool, ref.deploymentName, build.buildId);

  // Most of the cache goes to the build new runs start on; draining builds only finish what they have.
  const share = older.length === 0 ? 1 : 0.5;
  const create = (buildId: string, code: string, cacheShare: number): Promise<Worker> =>
    Worker.create({
      ...workerTuning(config, cacheShare),
      connection: deps.connection,
      namespace: config.TEMPORAL_NAMESPACE,
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      activities: deps.activities,
      workflowBundle: { code },
      workerDeploymentOptions: {
        version: { deploymentName: ref.deploymentName, buildId },
        useWorkerVersioning: true,
        // Reservations, refunds and the like finish on the build they started on; the long-lived ones
        // (the on-sale room) say AUTO_UPGRADE themselves.
        defaultVersioningBehavior: 'PINNED',
      },
      shutdownGraceTime: deps.shutdownGraceTime ?? '10s',
    });

  const workers = new Map<string, Worker>();
  for (const old of older) workers.set(old.buildId, await create(old.buildId, old.bundle, 0.5 / older.length));
  workers.set(build.buildId, await create(build.buildId, build.code, share));
  const runs = [...workers.entries()].map(([buildId, worker]) =>
    worker.run().then(() => {
      if (buildId !== build.buildId) log(`build ${buildId}: its Worker stopped`);
    }),
  );
  if (older.length > 0) log(`serving ${older.length} earlier build(s) while their runs drain: ${older.map((b) => b.buildId).join(', ')}`);

  const stopListening = await onRetirement(deps.subscriber, ref.deploymentName, (buildId) => {
    const worker = workers.get(buildId);
    if (!worker || buildId === build.buildId || worker.getState() !== 'RUNNING') return;
    log(`build ${buildId} retired: no run needs it any more; stopping its Worker`);
    worker.shutdown();
  }).catch((err: unknown) => {
    // Without the announcement a retired build's Worker only idles until this process restarts.
    log(`not listening for retired builds (${err instanceof Error ? err.message : String(err)})`);
    return async () => undefined;
  });

  const ready = (async () => {
    const legacy = older.find((b) => b.adoptsUnversioned);
    if (legacy) {
      const pinned = await pinUnversionedRuns(ref, config.TEMPORAL_TASK_QUEUE, legacy.buildId);
      if (pinned > 0) log(`pinned ${pinned} run(s) started before Worker Versioning to build ${legacy.buildId}`);
    }
    if (!config.WORKER_PROMOTE) return;
    const outcome = await makeCurrent(ref, build.buildId);
    await markCurrent(deps.pool, ref.deploymentName, build.buildId);
    if (outcome === 'promoted') log(`build ${build.buildId} is now current: new runs start on it`);
  })();
  // Failures surface through `ready`; without a handler they would also be unhandled rejections.
  ready.catch(() => undefined);

  const shutdown = (): void => {
    for (const worker of workers.values()) if (worker.getState() === 'RUNNING') worker.shutdown();
  };
  return {
    buildId: build.buildId,
    draining: () => [...workers.entries()].filter(([id, w]) => id !== build.buildId && w.getState() === 'RUNNING').map(([id]) => id),
    ready,
    async run() {
      try {
        await Promise.all(runs.map((r) => r.catch((err: unknown) => {
          shutdown();
          throw err;
        })));
      } finally {
        await stopListening();
      }
    },
    shutdown,
  };
}
