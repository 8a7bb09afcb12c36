import { DefaultLogger, Runtime } from '@temporalio/worker';
import { loadConfig } from '../config';
import { migrate } from '../db/migrate';
import { createPool } from '../db/pool';
import { createSimulatedProvider } from '../payments/simulated-provider';
import { createRedis, createTemporalClient } from '../shared/clients';
import { createLogger } from '../shared/logger';
import { stopWhenParentGoes } from '../shared/stop-when-parent-goes';
import { ticketKeysFromConfig } from '../tickets/ticket-keys';
import { ensureReconciliationSchedule } from '../operations/reconciliation-schedule';
import { createWorker } from './create-worker';

/**
 * The worker process: `npm run worker`. SIGINT/SIGTERM make the SDK stop polling, finish the tasks in
 * hand (within shutdownGraceTime) and return from run(); then the clients are closed.
 */
const SDK_LEVELS = { debug: 'DEBUG', info: 'INFO', warn: 'WARN', error: 'ERROR', silent: 'ERROR' } as const;
const PINO_LEVELS = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' } as const;

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger('worker', config.LOG_LEVEL);
  Runtime.install({
    // The SDK's log lines (workflow and activity logs with their workflow id, run id, request id) as JSON.
    logger: new DefaultLogger(SDK_LEVELS[config.LOG_LEVEL], (entry) => logger[PINO_LEVELS[entry.level]]({ ...entry.meta }, entry.message)),
    // The SDK's own metrics (workflow tasks, activities, polls, schedule-to-start latency, its client's
    // requests) and the app's (activity metricMeter), for Prometheus at http://<address>/metrics.
    ...(config.WORKER_METRICS_PORT > 0
      ? { telemetryOptions: { metrics: { prometheus: { bindAddress: `${config.WORKER_METRICS_HOST}:${config.WORKER_METRICS_PORT}`, countersTotalSuffix: true, useSecondsForDurations: true } } } }
      : {}),
  });
  const pool = createPool(config);
  const redis = createRedis(config);
  await migrate(pool);
  const temporal = createTemporalClient(config);
  const { worker, connection } = await createWorker({
    config,
    pool,
    redis,
    payments: createSimulatedProvider(redis),
    ticketKeys: ticketKeysFromConfig(config),
    temporal: temporal.client,
  });
  const schedule = await ensureReconciliationSchedule(temporal.client, { taskQueue: config.TEMPORAL_TASK_QUEUE, everyMinutes: config.RECONCILIATION_EVERY_MINUTES });
  stopWhenParentGoes();
  console.log(
    `worker: polling task queue "${config.TEMPORAL_TASK_QUEUE}" on ${config.TEMPORAL_ADDRESS}; ` +
      `caching up to ${worker.options.maxCachedWorkflows} workflows; reconciliation every ${config.RECONCILIATION_EVERY_MINUTES} min (schedule ${schedule})`,
  );
  try {
    await worker.run();
  } finally {
    await connection.close();
    await temporal.connection.close();
    await pool.end();
    redis.disconnect();
    console.log('worker: stopped');
  }
}

main().catch((err: unknown) => {
  console.error('worker: fatal:', err instanceof Error ? err.message : err);
  process.exit(1);
});
