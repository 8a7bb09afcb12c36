/**
 * Local infrastructure without Docker: PostgreSQL, Redis, Temporal (the dev
 * server, or with `temporalEngine: 'postgres'` the Temporal server on PostgreSQL) and a mail catcher. Each is reused when already reachable (env URL or default port) and
 * started from `dataDir` otherwise; `stop()` only stops what this call started,
 * so concurrent users (e.g. `npm run stack` plus `npm test`) share servers.
 */
import * as fs from 'fs';
import * as path from 'path';
import { ensureMailCatcher, MAIL_CATCHER_NAME } from './stack-mail';
import { ensurePostgres } from './stack-postgres';
import { ensureRedis, REDIS_SERVER_NAMES } from './stack-redis';
import { ensureTemporal, findBinary } from './stack-temporal';
import { defaultPersistence, ensureTemporalServer, SERVER_PROCESS_NAMES } from './stack-temporal-server';
import { parseEngine, type TemporalEngine } from './temporal-engine';
import { errorMessage, liveOrphan, terminatePid, withStartupLock, type StackContext, type Stopper } from './stack-util';

export { findBinary, parseEngine, type TemporalEngine };

export interface StackOptions {
  /** e.g. `<repo>/.data`; holds data, logs/ and run/ (pid files). */
  dataDir: string;
  /** Database name, e.g. 'tickets' or 'tickets_test'; created if missing. */
  database: string;
  log?: (line: string) => void;
  /** Serve the Temporal Web UI when we start the server. Default true. */
  temporalUi?: boolean;
  /** Default: $TEMPORAL_ENGINE, else 'dev'. */
  temporalEngine?: TemporalEngine;
}

export interface Stack {
  databaseUrl: string;
  redisUrl: string;
  temporalAddress: string;
  temporalNamespace: string;
  temporalEngine: TemporalEngine;
  temporalUiUrl: string | null;
  testServerPath: string | null;
  /** The local mail catcher the app sends to, or null when SMTP_URL / SMTP_HOST name a real server. */
  mail: { smtpUrl: string; inboxUrl: string } | null;
  /** Stops only the processes this ensureStack() call started. Safe to call twice. */
  stop(): Promise<void>;
}

function defaultLog(line: string): void {
  process.stderr.write(`[stack] ${line}\n`);
}

function createContext(opts: StackOptions): StackContext {
  const dataDir = path.resolve(opts.dataDir);
  const ctx: StackContext = {
    dataDir,
    logsDir: path.join(dataDir, 'logs'),
    runDir: path.join(dataDir, 'run'),
    log: opts.log ?? defaultLog,
  };
  for (const dir of [ctx.dataDir, ctx.logsDir, ctx.runDir]) fs.mkdirSync(dir, { recursive: true });
  return ctx;
}

/** Stops in parallel (the services do not depend on each other) and reports every failure. */
async function stopAll(stoppers: Stopper[]): Promise<void> {
  const results = await Promise.allSettled(stoppers.map((stop) => stop()));
  const failures = results.flatMap((r) => (r.status === 'rejected' ? [errorMessage(r.reason)] : []));
  if (failures.length > 0) throw new Error(`stack stop failed: ${failures.join('; ')}`);
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let pending: Promise<void> | null = null;
  return () => (pending ??= fn());
}

export async function ensureStack(opts: StackOptions): Promise<Stack> {
  const ctx = createContext(opts);
  return withStartupLock(ctx, () => bringUp(ctx, opts));
}

async function bringUp(ctx: StackContext, opts: StackOptions): Promise<Stack> {
  const namespace = process.env.TEMPORAL_NAMESPACE ?? 'default';
  const engine = opts.temporalEngine ?? parseEngine(process.env.TEMPORAL_ENGINE);
  const ui = opts.temporalUi ?? true;

  // Started concurrently: Postgres and Temporal each take a few seconds to boot; the PostgreSQL-backed
  // Temporal server waits for the PostgreSQL it keeps its databases on.
  const postgres = ensurePostgres(ctx, opts.database);
  const temporal =
    engine === 'postgres'
      ? postgres.then((p) => ensureTemporalServer(ctx, namespace, ui, defaultPersistence(p.url)))
      : ensureTemporal(ctx, namespace, ui);
  const [pg, redis, tmp, mail] = await Promise.allSettled([postgres, ensureRedis(ctx), temporal, ensureMailCatcher(ctx)]);
  const started = [pg, redis, tmp, mail].flatMap((r) => (r.status === 'fulfilled' && r.value?.stop ? [r.value.stop] : []));
  if (pg.status === 'rejected' || redis.status === 'rejected' || tmp.status === 'rejected' || mail.status === 'rejected') {
    await stopAll(started).catch((err: unknown) => ctx.log(errorMessage(err)));
    const reasons = [pg, redis, tmp, mail].flatMap((r) => (r.status === 'rejected' ? [errorMessage(r.reason)] : []));
    throw new Error(`could not bring up the local stack:\n${reasons.join('\n')}`);
  }

  return {
    databaseUrl: pg.value.url,
    redisUrl: redis.value.url,
    temporalAddress: tmp.value.address,
    temporalNamespace: namespace,
    temporalEngine: engine,
    temporalUiUrl: tmp.value.uiUrl,
    testServerPath: process.env.TEMPORAL_TEST_SERVER_PATH || findBinary('temporal-test-server'),
    mail: mail.value ? { smtpUrl: mail.value.smtpUrl, inboxUrl: mail.value.inboxUrl } : null,
    stop: once(() => stopAll(started)),
  };
}

/** Pid-file name, kernel process name(s), and the signal that shuts it down cleanly. */
const RECORDED_SERVERS: ReadonlyArray<{ name: string; comm: string | readonly string[]; signal: NodeJS.Signals }> = [
  { name: 'postgres', comm: 'postgres', signal: 'SIGINT' }, // postgres: SIGINT = fast shutdown
  { name: 'redis', comm: REDIS_SERVER_NAMES, signal: 'SIGTERM' },
  { name: 'temporal', comm: 'temporal', signal: 'SIGTERM' },
  ...SERVER_PROCESS_NAMES.map((name) => ({ name, comm: 'temporal-server', signal: 'SIGTERM' as const })),
  { name: 'temporal-ui-server', comm: 'temporal-ui-server', signal: 'SIGTERM' },
  { name: 'mail', comm: MAIL_CATCHER_NAME, signal: 'SIGTERM' },
];

/**
 * Stops every server recorded in `${dataDir}/run/*.pid`, whoever started it:
 * the way to get rid of orphans left by a process that died without stop().
 * Returns the names of the servers it stopped.
 */
export async function stopRecordedServers(dataDir: string, log: (line: string) => void = defaultLog): Promise<string[]> {
  const runDir = path.join(path.resolve(dataDir), 'run');
  const stopped = await Promise.all(
    RECORDED_SERVERS.map(async ({ name, comm, signal }) => {
      const pidFile = path.join(runDir, `${name}.pid`);
      const pid = liveOrphan(pidFile, comm);
      if (pid === null) return [];
      log(`${name}: stopping pid ${pid}`);
      await terminatePid(pid, signal);
      fs.rmSync(pidFile, { force: true });
      return [name];
    }),
  );
  return stopped.flat();
}
