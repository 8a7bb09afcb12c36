/**
 * The benchmark's floor worker: a process of its own that serves only the floor workflow, with the
 * production worker's options (workerTuning) and under Worker Versioning as production workers run, on
 * the task queue and deployment the bench names. Never part of the production bundle.
 */
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { loadSettings } from '../../src/config';
import { makeCurrent } from '../../src/deployments/worker-deployment';
import { installProfilerSignal } from '../../src/shared/cpu-profiler';
import { stopWhenParentGoes } from '../../src/shared/stop-when-parent-goes';
import { workerTuning } from '../../src/workers/create-worker';
import { bundleWorkflows } from '../../src/workers/workflow-bundle';

async function main(): Promise<void> {
  const config = loadSettings();
  Runtime.install({ logger: new DefaultLogger('WARN') });
  installProfilerSignal('floor-worker');
  const build = await bundleWorkflows({ workflowsPath: require.resolve('./floor-workflow') });
  const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
  const worker = await Worker.create({
    ...workerTuning(config),
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    workflowBundle: { code: build.code },
    activities: { async floorStep(): Promise<void> {} },
    workerDeploymentOptions: {
      version: { deploymentName: config.WORKER_DEPLOYMENT_NAME, buildId: build.buildId },
      useWorkerVersioning: true,
      defaultVersioningBehavior: 'PINNED',
    },
  });
  const running = worker.run();
  const clientConnection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
  await makeCurrent({ client: new Client({ connection: clientConnection, namespace: config.TEMPORAL_NAMESPACE }), namespace: config.TEMPORAL_NAMESPACE, deploymentName: config.WORKER_DEPLOYMENT_NAME }, build.buildId);
  await clientConnection.close();
  stopWhenParentGoes();
  console.log(`floor worker: polling task queue "${config.TEMPORAL_TASK_QUEUE}" (build ${build.buildId})`);
  await running;
  await connection.close();
}

main().catch((err: unknown) => {
  console.error('floor worker: fatal:', err instanceof Error ? err.message : err);
  process.exit(1);
});
