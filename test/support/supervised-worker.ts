import type { Config } from '../../src/config';
import { startNodeProcess, tsNodeArgs } from '../../scripts/lib/processes';
import { supervise, type SupervisorOptions } from '../../scripts/lib/supervisor';

/** The worker logs this once it polls its task queue. */
const POLLING = /polling task queue/;

/**
 * The worker as `npm start` runs it: a real process (src/workers/main.ts), supervised, restarted when it
 * dies. It runs against `config`'s servers and task queue. Its output is kept, not printed, but errors.
 */
export function superviseWorker(config: Config, options: Partial<SupervisorOptions> = {}) {
  const supervisorLines: string[] = [];
  const waiting: Array<{ run: number; resolve: () => void }> = [];
  let runs = 0;
  let polling = 0;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: config.DATABASE_URL,
    REDIS_URL: config.REDIS_URL,
    TEMPORAL_ADDRESS: config.TEMPORAL_ADDRESS,
    TEMPORAL_NAMESPACE: config.TEMPORAL_NAMESPACE,
    TEMPORAL_TASK_QUEUE: config.TEMPORAL_TASK_QUEUE,
    TICKET_KEYS_DIR: config.TICKET_KEYS_DIR,
    PAYMENT_WEBHOOK_SECRET: config.PAYMENT_WEBHOOK_SECRET,
    QUEUE_TOKEN_SECRET: config.QUEUE_TOKEN_SECRET,
    LOG_LEVEL: 'error',
    // No metrics port: on a shared machine another worker may hold the default one, and this one would
    // die on start (the chaos tests' worker was restarted in a loop by its supervisor).
    WORKER_METRICS_PORT: '0',
  };
  const worker = supervise(
    {
      name: 'worker',
      start: () => {
        const run = ++runs;
        return startNodeProcess('worker', tsNodeArgs('src/workers/main.ts'), env, (line, stream) => {
          if (stream === 'stderr') process.stderr.write(`[worker run ${run}] ${line}\n`);
          if (!POLLING.test(line)) return;
          polling = Math.max(polling, run);
          for (const w of waiting.filter((w) => w.run <= polling)) w.resolve();
        });
      },
    },
    { ...options, log: (line) => supervisorLines.push(line) },
  );
  return {
    worker,
    supervisorLines,
    /** Resolves once the `run`-th process (1 = the first, 2 = the first restart) polls its task queue. */
    polling(run: number): Promise<void> {
      if (polling >= run) return Promise.resolve();
      return new Promise((resolve) => waiting.push({ run, resolve }));
    },
  };
}
