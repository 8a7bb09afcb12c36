import { randomUUID } from 'node:crypto';
import type { Config } from '../../src/config';
import { startNodeProcess, tsNodeArgs } from '../../scripts/lib/processes';
import { supervise, type SupervisorOptions } from '../../scripts/lib/supervisor';

/** The worker logs this once it polls its task queue. */
const POLLING = /polling task queue/;
/** And this once its build is the current one of its Worker Deployment (a restart finds it so, and says nothing). */
const CURRENT = / is now current/;

/**
 * The worker as `npm start` runs it: a real process (src/workers/main.ts), supervised, restarted when it
 * dies. It runs against `config`'s servers and task queue. Its output is kept, not printed, but errors.
 */
export function superviseWorker(config: Config, options: Partial<SupervisorOptions> = {}) {
  const supervisorLines: string[] = [];
  const waiting: Array<{ run: number; resolve: () => void }> = [];
  let runs = 0;
  let polling = 0;
  let current = false;
  const deploymentName = `test-worker-${randomUUID()}`;
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
    // A deployment of its own, so its build (this checkout's workflow code) becomes current at once.
    // In the shared one, a build made current by an earlier run (other code) keeps new runs while its
    // task queues were polled lately: this build is then refused as current, and the holds would run
    // on that earlier build, served from the bundle kept in the database.
    WORKER_DEPLOYMENT_NAME: deploymentName,
  };
  const worker = supervise(
    {
      name: 'worker',
      start: () => {
        const run = ++runs;
        return startNodeProcess('worker', tsNodeArgs('src/workers/main.ts'), env, (line, stream) => {
          if (stream === 'stderr') process.stderr.write(`[worker run ${run}] ${line}\n`);
          if (CURRENT.test(line)) current = true;
          else if (POLLING.test(line)) polling = Math.max(polling, run);
          else return;
          if (!current) return;
          for (const w of waiting.filter((w) => w.run <= polling)) w.resolve();
        });
      },
    },
    { ...options, log: (line) => supervisorLines.push(line) },
  );
  return {
    worker,
    supervisorLines,
    /** Its Worker Deployment: the test deletes its builds (bundles of megabytes) from workflow_builds when done. */
    deploymentName,
    /** Resolves once the `run`-th process (1 = the first, 2 = the first restart) polls its task queue, its build current. */
    polling(run: number): Promise<void> {
      if (current && polling >= run) return Promise.resolve();
      return new Promise((resolve) => waiting.push({ run, resolve }));
    },
  };
}
