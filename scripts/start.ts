/**
 * `npm start`: the whole stack on this machine — PostgreSQL, Redis and the Temporal dev server (reused
 * when already running, started otherwise), migrations, demo data, the worker and the API — then the
 * URLs. Ctrl-C / SIGTERM stops everything it started.
 */
import { join } from 'node:path';
import { loadConfig } from '../src/config';
import { migrate } from '../src/db/migrate';
import { createPool } from '../src/db/pool';
import { seedDemoData } from '../src/demo/seed-demo-data';
import { ensureStack } from './lib/stack';
import { planProcesses, processCounts } from './lib/process-counts';
import { REPO_ROOT, startNodeProcess, stopProcess, waitForHttp } from './lib/processes';

const DEFAULT_ADMIN = { email: 'admin@example.com', password: 'admin-password' };

async function main(): Promise<void> {
  const counts = processCounts(process.argv.slice(2), process.env);
  const stack = await ensureStack({ dataDir: join(REPO_ROOT, '.data'), database: 'tickets', log: (l) => console.log(`[stack] ${l}`) });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: stack.databaseUrl,
    REDIS_URL: stack.redisUrl,
    TEMPORAL_ADDRESS: stack.temporalAddress,
    TEMPORAL_NAMESPACE: stack.temporalNamespace,
    ADMIN_EMAIL: process.env.ADMIN_EMAIL ?? DEFAULT_ADMIN.email,
    ADMIN_PASSWORD: process.env.ADMIN_PASSWORD ?? DEFAULT_ADMIN.password,
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
  };
  const config = loadConfig(env);
  const pool = createPool(config);
  let demo: { eventIds: string[] };
  try {
    await migrate(pool);
    demo = await seedDemoData(pool);
  } finally {
    await pool.end();
  }

  // `--apis N --workers M`: every process serves everything (live updates and offers go through Redis).
  const plan = planProcesses(counts, env, config.PORT, config.WORKER_METRICS_PORT);
  const children = plan.map((p) => ({ ...p, child: startNodeProcess(p.name, p.entry, p.env) }));
  let stopping = false;
  const shutdown = async (why: string, code: number): Promise<void> => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${why}: stopping the API, the worker and the servers this command started...`);
    await Promise.all(children.map((c) => stopProcess(c.child)));
    await stack.stop().catch((err: unknown) => console.error(err));
    console.log('stopped.');
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown('SIGINT', 0));
  process.on('SIGTERM', () => void shutdown('SIGTERM', 0));
  for (const { name, child } of children) {
    child.once('exit', (code) => void shutdown(`${name} exited (code ${String(code)})`, 1));
  }

  const apiUrl = `http://localhost:${config.PORT}`;
  for (const { child, port } of children.filter((c) => c.port !== undefined)) {
    await waitForHttp(`http://localhost:${String(port)}/health`, 90_000, () => child.exitCode === null);
  }
  console.log(
    [
      '',
      'Ticket inventory is up:',
      `  API            ${apiUrl}/api/v1${counts.apis > 1 ? ` (and the same on ports ${config.PORT + 1}–${config.PORT + counts.apis - 1})` : ''}`,
      `  Processes      ${counts.apis} API, ${counts.workers} worker (npm start -- --apis N --workers M)`,
      `  OpenAPI        ${apiUrl}/openapi.json`,
      `  Health         ${apiUrl}/health`,
      `  Metrics        ${apiUrl}/metrics`,
      `  Temporal UI    ${stack.temporalUiUrl ?? '(the Temporal server at ' + stack.temporalAddress + ' was already running; see its own UI)'}`,
      `  Temporal gRPC  ${stack.temporalAddress} (temporal workflow list --query "ReservationStatus='HELD'")`,
      `  Admin          ${config.ADMIN_EMAIL} / ${process.env.ADMIN_PASSWORD ? '(ADMIN_PASSWORD)' : DEFAULT_ADMIN.password}`,
      `  Demo events    ${demo.eventIds.join(', ')}`,
      '',
      'Ctrl-C stops everything this command started.',
    ].join('\n'),
  );
}

main().catch((err: unknown) => {
  console.error(`npm start failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
