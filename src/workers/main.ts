import { DefaultLogger, Runtime } from '@temporalio/worker';
import { loadConfig } from '../config';
import { migrate } from '../db/migrate';
import { createPool } from '../db/pool';
import { createSimulatedProvider } from '../payments/simulated-provider';
import { createRedis } from '../shared/clients';
import { stopWhenParentGoes } from '../shared/stop-when-parent-goes';
import { ticketKeysFromConfig } from '../tickets/ticket-keys';
import { createWorker } from './create-worker';

/**
 * The worker process: `npm run worker`. SIGINT/SIGTERM make the SDK stop polling, finish the tasks in
 * hand (within shutdownGraceTime) and return from run(); then the clients are closed.
 */
const SDK_LEVELS = { debug: 'DEBUG', info: 'INFO', warn: 'WARN', error: 'ERROR', silent: 'ERROR' } as const;

async function main(): Promise<void> {
  const config = loadConfig();
  Runtime.install({ logger: new DefaultLogger(SDK_LEVELS[config.LOG_LEVEL]) });
  const pool = createPool(config);
  const redis = createRedis(config);
  await migrate(pool);
  const { worker, connection } = await createWorker({
    config,
    pool,
    redis,
    payments: createSimulatedProvider(redis),
    ticketKeys: ticketKeysFromConfig(config),
  });
  stopWhenParentGoes();
  console.log(`worker: polling task queue "${config.TEMPORAL_TASK_QUEUE}" on ${config.TEMPORAL_ADDRESS}`);
  try {
    await worker.run();
  } finally {
    await connection.close();
    await pool.end();
    redis.disconnect();
    console.log('worker: stopped');
  }
}

main().catch((err: unknown) => {
  console.error('worker: fatal:', err instanceof Error ? err.message : err);
  process.exit(1);
});
