import { getHeapStatistics } from 'node:v8';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type { Config } from '../config';
import { mailSettingsOf, type MailConfig } from '../email/mail-settings';
import { requestIdActivityInterceptors } from '../shared/request-id-interceptors';
import { createWorkerActivities, type WorkerActivityDeps } from './worker-activities';
import { WORKFLOW_INTERCEPTOR_MODULES } from './workflow-bundle';

export { WORKFLOW_INTERCEPTOR_MODULES };

export type WorkerTuning = Pick<Config, 'DATABASE_POOL_SIZE' | 'WORKER_MAX_CACHED_WORKFLOWS' | 'WORKER_STICKY_TIMEOUT_SECONDS'>;

/** Resident memory per cached reservation workflow, as `npm run bench -- --worker-cache` measures it (docs/benchmarks.md). */
const CACHED_WORKFLOW_BYTES = 256 * 1024;

/**
 * As many cached workflows as fit in half the heap, so that an open hold is still cached when its
 * payment or its timer comes and is not first replayed from its history. The SDK's own default assumes
 * 1.7 MiB per workflow.
 */
function defaultCacheSize(): number {
  return Math.max(10, Math.floor(getHeapStatistics().heap_size_limit / 2 / CACHED_WORKFLOW_BYTES));
}

/**
 * The options every worker of the task queue runs with, whatever it serves (the benchmark's floor worker
 * too, so the two are compared on equal terms). `cacheShare` splits the cache between the Workers of one
 * process (the current build and the ones draining).
 */
export function workerTuning(config: WorkerTuning, cacheShare = 1): Partial<WorkerOptions> {
  return {
    // Activities mostly wait on PostgreSQL: more in flight than pooled connections only queues them.
    maxConcurrentActivityTaskExecutions: config.DATABASE_POOL_SIZE,
    maxConcurrentLocalActivityExecutions: config.DATABASE_POOL_SIZE,
    maxCachedWorkflows: Math.max(1, Math.floor((config.WORKER_MAX_CACHED_WORKFLOWS ?? defaultCacheSize()) * cacheShare)),
    // The SDK's 10 s by default: shorter cuts the lag of a killed worker's timers but, near saturation,
    // sends queued tasks to be replayed elsewhere (docs/benchmarks.md, worker settings).
    stickyQueueScheduleToStartTimeout: config.WORKER_STICKY_TIMEOUT_SECONDS * 1000,
    interceptors: { activity: [requestIdActivityInterceptors] },
  };
}

export interface WorkerDeps extends WorkerActivityDeps {
  config: WorkerTuning & MailConfig & Pick<Config, 'TEMPORAL_ADDRESS' | 'TEMPORAL_NAMESPACE' | 'TEMPORAL_TASK_QUEUE' | 'PAYMENT_GRACE_SECONDS' | 'MAX_PAYMENT_ATTEMPTS'>;
  /** A bundle made once (tests, scripts); otherwise src/workflows is bundled here. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  connection?: NativeConnection;
  /** How long a stopping worker lets its activities finish (tests stop one in the middle of its work). */
  shutdownGraceTime?: WorkerOptions['shutdownGraceTime'];
}

/**
 * One unversioned Worker for the task queue, serving every workflow family: what tests and scripts run.
 * The worker process runs builds under Worker Versioning instead (fleet.ts).
 */
export async function createWorker(deps: WorkerDeps): Promise<{ worker: Worker; connection: NativeConnection }> {
  const connection = deps.connection ?? (await NativeConnection.connect({ address: deps.config.TEMPORAL_ADDRESS }));
  const worker = await Worker.create({
    ...workerTuning(deps.config),
    connection,
    namespace: deps.config.TEMPORAL_NAMESPACE,
    taskQueue: deps.config.TEMPORAL_TASK_QUEUE,
    activities: createWorkerActivities({
      ...deps,
      offerSettings: deps.offerSettings ?? offerSettingsOf(deps.config),
      mail: deps.mail === undefined ? mailSettingsOf(deps.config) : deps.mail,
    }),
    ...(deps.workflowBundle
      ? { workflowBundle: deps.workflowBundle }
      : { workflowsPath: require.resolve('../workflows'), interceptors: { workflowModules: WORKFLOW_INTERCEPTOR_MODULES, activity: [requestIdActivityInterceptors] } }),
    shutdownGraceTime: deps.shutdownGraceTime ?? '10s',
  });
  return { worker, connection };
}

export function offerSettingsOf(config: Pick<Config, 'TEMPORAL_TASK_QUEUE' | 'PAYMENT_GRACE_SECONDS' | 'MAX_PAYMENT_ATTEMPTS'>) {
  return { taskQueue: config.TEMPORAL_TASK_QUEUE, paymentGraceSeconds: config.PAYMENT_GRACE_SECONDS, maxPaymentAttempts: config.MAX_PAYMENT_ATTEMPTS };
}
