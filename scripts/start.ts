/**
 * `npm start`: the whole stack on this machine — PostgreSQL, Redis, the Temporal dev server and a mail
 * catcher (reused when already running, started otherwise), migrations, demo data, the worker and the API — then the
 * URLs. The worker and the API are supervised: one that dies is restarted, with backoff. Only Ctrl-C or
 * SIGTERM stops the stack, in order: the API, the worker, then the servers this command started.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { Pool } from 'pg';
import { loadConfig, type Config } from '../src/config';
import { migrate } from '../src/db/migrate';
import { createPool } from '../src/db/pool';
import { seedDemoData } from '../src/demo/seed-demo-data';
import { bundleWorkflows } from '../src/workers/workflow-bundle';
import { adoptUnversionedRuns } from './lib/adopt-unversioned-runs';
import { ensureStack } from './lib/stack';
import { planProcesses, processCounts } from './lib/process-counts';
import { dataFolderSecrets } from './lib/secrets-file';
import { REPO_ROOT, startNodeProcess, tsNodeArgs, waitForHttp } from './lib/processes';
import { stopOnSignals, superviseStack } from './lib/supervised-stack';

const DEFAULT_ADMIN_EMAIL = 'admin@example.com';
/** Restarts included: an API that keeps failing to start (its port taken, say) ends `npm start`. */
const STARTUP_TIMEOUT_MS = 90_000;

async function main(): Promise<void> {
  // `--apis N --workers M`: every process serves everything (live updates and offers go through Redis).
  const counts = processCounts(process.argv.slice(2), process.env);
  // The servers run in a process group of their own, out of reach of a Ctrl-C: one pressed while they
  // start must not leave them behind, so it is remembered and honoured once they are up.
  let interrupted: NodeJS.Signals | null = null;
  const whileStarting = (signal: NodeJS.Signals): void => {
    interrupted = signal;
    console.log(`\n${signal}: stopping once the servers have started...`);
  };
  process.on('SIGINT', whileStarting);
  process.on('SIGTERM', whileStarting);
  const dataDir = join(REPO_ROOT, '.data');
  // No secret has a built-in value: the environment's, or the data folder's own (random, made on its first start).
  const secrets = dataFolderSecrets(dataDir);
  if (secrets.generated.length > 0) console.log(`[secrets] generated ${secrets.generated.join(', ')} into ${relative(REPO_ROOT, secrets.file)} (mode 0600)`);
  const stack = await ensureStack({ dataDir, database: 'tickets', log: (l) => console.log(`[stack] ${l}`) });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: stack.databaseUrl,
    REDIS_URL: stack.redisUrl,
    TEMPORAL_ADDRESS: stack.temporalAddress,
    TEMPORAL_NAMESPACE: stack.temporalNamespace,
    ...secrets.values,
    ...(stack.mail ? { SMTP_URL: stack.mail.smtpUrl } : {}),
    ADMIN_EMAIL: process.env.ADMIN_EMAIL ?? DEFAULT_ADMIN_EMAIL,
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
  };
  let config: Config;
  try {
    config = loadConfig(env);
  } catch (err) {
    await stack.stop().catch((stopErr: unknown) => console.error(stopErr));
    throw err;
  }
  const pool = createPool(config);
  let demo: { eventIds: string[] };
  let buildId: string;
  try {
    await migrate(pool);
    demo = await seedDemoData(pool);
    // Every worker process runs the same build: bundled once here. Holds made on an earlier build
    // finish on it (docs/upgrades.md); holds made before versioning existed are adopted first.
    const build = await prepareBuild(config, pool);
    buildId = build.buildId;
    Object.assign(env, { WORKFLOW_BUNDLE_PATH: build.path, SOURCE_COMMIT: build.sourceCommit ?? '' });
    config = loadConfig(env);
  } catch (err) {
    await stack.stop().catch((stopErr: unknown) => console.error(stopErr));
    throw err;
  } finally {
    await pool.end();
  }
  process.off('SIGINT', whileStarting);
  process.off('SIGTERM', whileStarting);
  if (interrupted) {
    await stack.stop();
    process.exit(0);
  }

  const log = (line: string): void => console.log(`[supervisor] ${line}`);
  // Workers first, APIs last: the stop goes the other way (the APIs, then the workers).
  const plan = planProcesses(counts, env, config.PORT, config.WORKER_METRICS_PORT);
  const supervised = superviseStack({
    children: plan.map((p) => ({ name: p.name, start: () => startNodeProcess(p.name, tsNodeArgs(p.entry), p.env) })),
    servers: stack,
    log,
  });
  stopOnSignals(supervised, log);

  const apiUrl = `http://localhost:${config.PORT}`;
  const apiPorts = plan.flatMap((p) => (p.port === undefined ? [] : [p.port]));
  try {
    for (const port of apiPorts) await waitForHttp(`http://localhost:${port}/health`, STARTUP_TIMEOUT_MS);
  } catch (err) {
    await supervised.stop('the API did not come up');
    throw err;
  }
  console.log(
    [
      '',
      'Ticket inventory is up:',
      `  Web page       ${apiUrl}/  (fans: browse, queue, hold, pay, tickets; door staff: ${apiUrl}/scanner)`,
      `  API            ${apiUrl}/api/v1${apiPorts.length > 1 ? ` (and ${apiPorts.slice(1).map((port) => `:${port}`).join(', ')}: ${apiPorts.length} API processes, ${counts.workers} worker(s))` : ''}`,
      `  OpenAPI        ${apiUrl}/openapi.json`,
      `  Health         ${apiUrl}/health`,
      `  Metrics        ${apiUrl}/metrics`,
      `  Mail inbox     ${stack.mail ? `${stack.mail.inboxUrl}  (every email the app sends lands here; SMTP ${stack.mail.smtpUrl})` : `(emails go to the SMTP server of SMTP_URL / SMTP_HOST)`}`,
      `  Temporal UI    ${stack.temporalUiUrl ?? '(the Temporal server at ' + stack.temporalAddress + ' was already running; see its own UI)'}`,
      `  Temporal gRPC  ${stack.temporalAddress} (temporal workflow list --query "ReservationStatus='HELD'")`,
      `  Workflow build ${buildId} of deployment "${config.WORKER_DEPLOYMENT_NAME}" (npm run builds; temporal worker deployment describe --name ${config.WORKER_DEPLOYMENT_NAME})`,
      `  Admin          ${config.ADMIN_EMAIL} / ${secrets.fromEnvironment.includes('ADMIN_PASSWORD') ? '(ADMIN_PASSWORD)' : config.ADMIN_PASSWORD}`,
      `  Secrets        ${relative(REPO_ROOT, secrets.file)} (the webhook and queue token secrets, the admin password; docs/security.md: rotation)`,
      `  Demo events    ${demo.eventIds.join(', ')}`,
      '',
      'Ctrl-C stops everything this command started: the API(s), then the worker(s), then the servers.',
    ].join('\n'),
  );
}

/** The commit the code comes from (with `-dirty` when the tree has changes), if this is a git checkout. */
function sourceCommit(): string | null {
  try {
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src'], { cwd: REPO_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return dirty ? `${commit}-dirty` : commit;
  } catch {
    return null;
  }
}

async function prepareBuild(config: Config, pool: Pool): Promise<{ buildId: string; path: string; sourceCommit: string | null }> {
  const build = await bundleWorkflows();
  const dir = join(REPO_ROOT, '.data', 'builds');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'workflow-bundle.js');
  writeFileSync(path, build.code);
  if (config.WORKER_VERSIONING === 'on') {
    const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
    try {
      const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
      await adoptUnversionedRuns({
        client,
        pool,
        namespace: config.TEMPORAL_NAMESPACE,
        taskQueue: config.TEMPORAL_TASK_QUEUE,
        deploymentName: config.WORKER_DEPLOYMENT_NAME,
        log: (line) => console.log(`[upgrade] ${line}`),
      });
    } finally {
      await connection.close();
    }
  }
  return { buildId: build.buildId, path, sourceCommit: sourceCommit() };
}

main().catch((err: unknown) => {
  console.error(`npm start failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
