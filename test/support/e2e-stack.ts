import type { Worker } from '@temporalio/worker';
import type { Config } from '../../src/config';
import { cancelOpenWorkflows } from '../../scripts/lib/temporal-cleanup';
import { startServer, type RunningServer } from '../../src/api/server';
import { createPool } from '../../src/db/pool';
import type { PaymentProvider } from '../../src/payments/provider';
import { createSimulatedProvider } from '../../src/payments/simulated-provider';
import { createRedis, createTemporalClient } from '../../src/shared/clients';
import { createWorker } from '../../src/workers/create-worker';
import { quietTemporalRuntime, testConfig, testTicketKeys, workflowBundle } from './env';
import { httpClient, type HttpClient } from './http';
import { adminToken } from './scenario';

quietTemporalRuntime();

export interface E2eStack {
  config: Config;
  server: RunningServer;
  url: string;
  /** Stops the suite's worker (a test that runs workers of its own); the API keeps running. */
  stopWorker(): Promise<void>;
  /** Stops the worker (as a deploy or a crash would) and, after `downMs`, starts a new one on the same task queue. */
  restartWorker(downMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The real thing in one process: the API on a free port and a worker on a task queue of its own,
 * against the Temporal dev server, PostgreSQL and Redis that `npm test` brought up.
 */
export async function startE2eStack(
  overrides: Partial<Record<keyof Config, string>> = {},
  /** The payment processor is the one edge the suite cannot run for real: a suite may put a fault in it. */
  processor: (simulated: PaymentProvider) => PaymentProvider = (p) => p,
): Promise<E2eStack> {
  const config = testConfig({ PAYMENT_GRACE_SECONDS: '5', ...overrides });
  const pool = createPool(config);
  const redis = createRedis(config);
  const temporal = createTemporalClient(config);
  const payments = processor(createSimulatedProvider(redis, { slowMs: 3000 }));
  const start = async () => {
    const { worker, connection } = await createWorker({ config, pool, redis, payments, ticketKeys: testTicketKeys(), temporal: temporal.client, workflowBundle: workflowBundle() });
    return { worker, connection, running: runWorker(worker) };
  };
  let current: Awaited<ReturnType<typeof start>> | null = await start();
  const stopWorker = async () => {
    const stopping = current;
    current = null;
    if (!stopping) return;
    stopping.worker.shutdown();
    await stopping.running;
    await stopping.connection.close();
  };
  const server = await startServer({ config, port: 0, log: () => undefined });
  return {
    config,
    server,
    url: server.url,
    stopWorker,
    async restartWorker(downMs = 0) {
      await stopWorker();
      await new Promise((resolve) => setTimeout(resolve, downMs));
      current = await start();
    },
    async stop() {
      // Holds a suite left open would otherwise sit in the dev server (and in operators' listings).
      await cancelOpenWorkflows(config.TEMPORAL_ADDRESS, config.TEMPORAL_NAMESPACE, config.TEMPORAL_TASK_QUEUE).catch(() => 0);
      await server.stop();
      await stopWorker();
      await temporal.connection.close();
      await pool.end();
      redis.disconnect();
    },
  };
}

function runWorker(worker: Worker): Promise<void> {
  return worker.run().catch((err: unknown) => {
    console.error('test worker failed', err);
  });
}

export interface E2eContext {
  stack: E2eStack;
  api: HttpClient;
  /** A bearer token of an admin made for this suite. */
  admin: string;
}

/**
 * Registers beforeAll/afterAll that start the real stack for a suite and stop it afterwards; the
 * returned object is filled in once beforeAll has run.
 */
export function useE2eStack(
  overrides: Partial<Record<keyof Config, string>> = {},
  processor?: (simulated: PaymentProvider) => PaymentProvider,
): E2eContext {
  const ctx = {} as E2eContext;
  beforeAll(async () => {
    ctx.stack = await startE2eStack(overrides, processor);
    ctx.api = httpClient(ctx.stack.url);
    ctx.admin = await adminToken(ctx.api, ctx.stack.server.deps.pool);
  });
  afterAll(async () => {
    await ctx.stack?.stop();
  });
  return ctx;
}
