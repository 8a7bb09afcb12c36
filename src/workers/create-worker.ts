import { getHeapStatistics } from 'node:v8';
import type { Client } from '@temporalio/client';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type { Redis } from 'ioredis';
import type { Pool } from 'pg';
import { createActivities, createWaitingRoomActivities } from '../activities';
import { requestIdActivityInterceptors } from '../shared/request-id-interceptors';
import type { Config } from '../config';
import type { PaymentProvider } from '../payments/provider';
import type { TicketKeys } from '../tickets/ticket-keys';

/** Bundled with the workflows: whoever bundles them (tests, replay, scripts) passes these too. */
export const WORKFLOW_INTERCEPTOR_MODULES = [require.resolve('../workflows/interceptors')];

export interface WorkerDeps {
  config: Pick<
    Config,
    | 'TEMPORAL_ADDRESS'
    | 'TEMPORAL_NAMESPACE'
    | 'TEMPORAL_TASK_QUEUE'
    | 'DATABASE_POOL_SIZE'
    | 'PAYMENT_GRACE_SECONDS'
    | 'MAX_PAYMENT_ATTEMPTS'
    | 'WORKER_MAX_CACHED_WORKFLOWS'
    | 'WORKER_STICKY_TIMEOUT_SECONDS'
  >;
  pool: Pool;
  redis: Redis;
  payments: PaymentProvider;
  ticketKeys: TicketKeys;
  /** For activities that act through other workflows (an event's cancellation cancels reservations). */
  temporal: Client;
  /** Tests pass a bundle made once; processes bundle the workflows themselves. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  connection?: NativeConnection;
  /** How long a stopping worker lets its activities finish (tests stop one in the middle of its work). */
  shutdownGraceTime?: WorkerOptions['shutdownGraceTime'];
}

/** Measured with `npm run bench -- --worker-cache`: 200-235 KiB of resident memory per cached reservation workflow. */
const CACHED_WORKFLOW_BYTES = 256 * 1024;

/**
 * As many reservations as fit in half the heap (about 8,300 with a 4 GiB heap), so that an open hold is
 * still cached when its payment or its timer comes and is not first replayed from its history. The
 * SDK's own default assumes 1.7 MiB per workflow and keeps about 2,300.
 */
function defaultCacheSize(): number {
  return Math.max(10, Math.floor(getHeapStatistics().heap_size_limit / 2 / CACHED_WORKFLOW_BYTES));
}

/**
 * A worker for the reservation task queue (reservations, late payments and on-sales). Several can run at once (several processes, several
 * machines): Temporal hands each workflow task and activity to one of them.
 */
export async function createWorker(deps: WorkerDeps): Promise<{ worker: Worker; connection: NativeConnection }> {
  const connection = deps.connection ?? (await NativeConnection.connect({ address: deps.config.TEMPORAL_ADDRESS }));
  const worker = await Worker.create({
    connection,
    namespace: deps.config.TEMPORAL_NAMESPACE,
    taskQueue: deps.config.TEMPORAL_TASK_QUEUE,
    activities: {
      ...createActivities({
        pool: deps.pool,
        redis: deps.redis,
        payments: deps.payments,
        ticketKeys: deps.ticketKeys,
        temporal: deps.temporal,
        offerSettings: {
          taskQueue: deps.config.TEMPORAL_TASK_QUEUE,
          paymentGraceSeconds: deps.config.PAYMENT_GRACE_SECONDS,
          maxPaymentAttempts: deps.config.MAX_PAYMENT_ATTEMPTS,
        },
      }),
      ...createWaitingRoomActivities({ pool: deps.pool, redis: deps.redis }),
    },
    ...(deps.workflowBundle
      ? { workflowBundle: deps.workflowBundle }
      : { workflowsPath: require.resolve('../workflows') }),
    // A prebuilt bundle carries the workflow interceptors itself (see WORKFLOW_INTERCEPTOR_MODULES).
    interceptors: { workflowModules: WORKFLOW_INTERCEPTOR_MODULES, activity: [requestIdActivityInterceptors] },
    // Activities mostly wait on PostgreSQL: more in flight than pooled connections only queues them.
    maxConcurrentActivityTaskExecutions: deps.config.DATABASE_POOL_SIZE,
    maxConcurrentLocalActivityExecutions: deps.config.DATABASE_POOL_SIZE,
    shutdownGraceTime: deps.shutdownGraceTime ?? '10s',
    maxCachedWorkflows: deps.config.WORKER_MAX_CACHED_WORKFLOWS ?? defaultCacheSize(),
    // The SDK's 10 s by default: 3 s cut the lag of a killed worker's timers from 10 s to 4 s, but near
    // saturation it sent queued tasks to be replayed (hold p95 at 24/s: 2.0 s against 0.48 s).
    stickyQueueScheduleToStartTimeout: deps.config.WORKER_STICKY_TIMEOUT_SECONDS * 1000,
  });
  return { worker, connection };
}
