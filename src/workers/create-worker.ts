import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type { Redis } from 'ioredis';
import type { Pool } from 'pg';
import { createActivities, createWaitingRoomActivities } from '../activities';
import type { Config } from '../config';
import type { PaymentProvider } from '../payments/provider';

export interface WorkerDeps {
  config: Pick<Config, 'TEMPORAL_ADDRESS' | 'TEMPORAL_NAMESPACE' | 'TEMPORAL_TASK_QUEUE' | 'DATABASE_POOL_SIZE'>;
  pool: Pool;
  redis: Redis;
  payments: PaymentProvider;
  /** Tests pass a bundle made once; processes bundle the workflows themselves. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  connection?: NativeConnection;
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
      ...createActivities({ pool: deps.pool, redis: deps.redis, payments: deps.payments }),
      ...createWaitingRoomActivities({ pool: deps.pool, redis: deps.redis }),
    },
    ...(deps.workflowBundle
      ? { workflowBundle: deps.workflowBundle }
      : { workflowsPath: require.resolve('../workflows') }),
    // Activities mostly wait on PostgreSQL: more in flight than pooled connections only queues them.
    maxConcurrentActivityTaskExecutions: deps.config.DATABASE_POOL_SIZE,
    maxConcurrentLocalActivityExecutions: deps.config.DATABASE_POOL_SIZE,
    shutdownGraceTime: '10s',
  });
  return { worker, connection };
}
