/**
 * `npm run bench`: a flash sale on the real stack (PostgreSQL, Redis, Temporal dev server, worker(s)
 * and API as child processes), measured against what the product promises, then checked in
 * PostgreSQL for oversells and broken invariants, then compared with the bare hold transaction.
 * See `npm run bench -- --help`. Exit 1 only when correctness fails; missed speed targets are reported.
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { Client, Connection } from '@temporalio/client';
import { dirname, join, relative, resolve } from 'node:path';
import type { Pool } from 'pg';
import { migrate } from '../src/db/migrate';
import { createPool } from '../src/db/pool';
import { parseArgs, usage, UsageError, type BenchOptions } from './lib/bench-args';
import { runBaseline, type BaselineResult } from './lib/bench-baseline';
import { curveSvg } from './lib/bench-chart';
import { curvePoints, renderCurve, runCurve, type CurveSummary } from './lib/bench-curve';
import { cancelEventRun } from './lib/bench-cancel-event';
import { resaleRun } from './lib/bench-resale';
import { cancelOpenWorkflows } from './lib/temporal-cleanup';
import { formatSummary, summarizeProfile } from './lib/cpu-profile-summary';
import { pidsByComm, pidsWithArgs, postgresPidsServing, snapshot, usageBetween, type CpuGroup, type CpuUsage } from './lib/bench-cpu';
import { renderEngineComparison, type EngineCurve } from './lib/bench-engines';
import { createApiClient, type ApiClient } from './lib/bench-http';
import { runLoad, type LoadProgress, type LoadResult } from './lib/bench-load';
import { startChildren, stopChildren, toggleProfiles, watchForCrash, type Children } from './lib/bench-processes';
import { renderReport, verdicts, writeJson, type BenchReport, type Verification } from './lib/bench-report';
import { createEvent, createVenue, login, registerBuyers, type Buyer, type SaleEvent, type SaleShape } from './lib/bench-setup';
import { lastShortHoldDeadline, releaseLag, stuckHolds, verifyEvent } from './lib/bench-verify';
import { LiveLoad, measureLive, setUpWaitlistStage, type LiveReport } from './lib/bench-live';
import { renderLive } from './lib/bench-live-report';
import { measureWorkerCache, renderWorkerCache } from './lib/bench-worker-cache';
import { REPO_ROOT } from './lib/processes';
import { runWaitingRoom } from './lib/bench-waiting-room';
import { renderWaitingRoom, summarizeWaitingRoom, writeWaitingRoomJson } from './lib/bench-waiting-room-report';
import { ensureStack, type Stack, type TemporalEngine } from './lib/stack';
import { REDIS_SERVER_NAMES } from './lib/stack-redis';
import { defaultPersistence, SERVICES, temporalDatabaseNames } from './lib/stack-temporal-server';
import { readBuildRecord } from './lib/temporal-server-build';

const POOL_SIZE = 20;
// Secrets of this run only, random as `npm start`'s are: the bench's processes are a real deployment.
const ADMIN = { email: 'bench-admin@bench.example', password: randomBytes(24).toString('base64url') };
const RUN_SECRETS = { PAYMENT_WEBHOOK_SECRET: randomBytes(32).toString('hex'), QUEUE_TOKEN_SECRET: randomBytes(32).toString('hex') };
/** After the last abandoned hold's held_until: the release should be done well within this. */
const EXPIRY_SETTLE_MS = 3000;
/** For the bare statements alone: places enough that 20 callers never run out in a few seconds. */
const BARE_VENUE = { rows: 100, seatsPerRow: 100, ga: 1_000_000 };
/**
 * An admitted fan's window, scaled down like the bench's holds (5 s, not 600): with the product's 300 s,
 * each fan who walks away keeps one of the 50 active places for 5 minutes and 2,000 fans take an hour.
 */
const ADMISSION_WINDOW_SECONDS = 10;

function log(line: string): void {
  process.stderr.write(`[bench] ${line}\n`);
}

/** Everything that must be undone however the run ends: children first (they use the servers), then the servers. */
class Cleanup {
  readonly children: ChildProcess[] = [];
  stack: Stack | null = null;
  pool: Pool | null = null;
  api: ApiClient | null = null;
  private running: Promise<void> | null = null;

  run(): Promise<void> {
    this.running ??= (async () => {
      this.api?.close();
      await this.pool?.end().catch(() => undefined);
      await stopChildren(this.children).catch((err: unknown) => log(`stopping children: ${String(err)}`));
      await this.stack?.stop().catch((err: unknown) => log(`stopping the stack: ${String(err)}`));
    })();
    return this.running;
  }

  /** Undoes everything so far and is ready for the next system (--engines: one engine after another). */
  async release(): Promise<void> {
    await this.run();
    this.children.length = 0;
    this.stack = null;
    this.pool = null;
    this.api = null;
    this.running = null;
  }
}

function childEnv(stack: Stack, taskQueue: string): NodeJS.ProcessEnv {
  const redis = new URL(stack.redisUrl);
  // Database 2 (or BENCH_REDIS_DB) keeps the bench's sessions and rate-limit keys away from a dev stack sharing this Redis.
  redis.pathname = `/${process.env.BENCH_REDIS_DB ?? '2'}`;
  return {
    ...process.env,
    DATABASE_URL: stack.databaseUrl,
    REDIS_URL: redis.toString(),
    TEMPORAL_ADDRESS: stack.temporalAddress,
    TEMPORAL_NAMESPACE: stack.temporalNamespace,
    TEMPORAL_TASK_QUEUE: taskQueue,
    // A deployment of its own per run: its builds and Schedules stay apart from a dev stack's.
    WORKER_DEPLOYMENT_NAME: taskQueue,
    DATABASE_POOL_SIZE: String(POOL_SIZE),
    // Every simulated buyer comes from 127.0.0.1: the budgets of a real deployment would stop the bench, not the load.
    RESERVATION_RATE_LIMIT_PER_MINUTE: '1000000',
    RATE_LIMIT_AUTH_PER_MINUTE: '1000000',
    RATE_LIMIT_CHECKOUT_PER_MINUTE: '1000000',
    RATE_LIMIT_QUEUE_JOIN_PER_MINUTE: '1000000',
    RATE_LIMIT_DEFAULT_PER_MINUTE: '1000000',
    LIVE_STREAMS_PER_CLIENT: '1000000',
    PAYMENT_GRACE_SECONDS: '10',
    WAITING_ROOM_ADMISSION_WINDOW_SECONDS: String(ADMISSION_WINDOW_SECONDS),
    ADMIN_EMAIL: ADMIN.email,
    ADMIN_PASSWORD: ADMIN.password,
    ...RUN_SECRETS,
  };
}

function printProgress(p: LoadProgress): void {
  const line =
    `  ${(p.elapsedMs / 1000).toFixed(0).padStart(3)} s  attempts ${p.attempts}  holds ok ${p.holdsOk}  409 ${p.conflicts}  ` +
    `errors ${p.errors}  holds/s ${p.holdsLastSecond}  p95 ${p.holdP95Ms === null ? '-' : `${p.holdP95Ms.toFixed(0)} ms`}`;
  process.stdout.write(`\r${line.padEnd(100)}`);
}

interface Sale {
  shape: SaleShape;
  sale: SaleEvent;
  bare: SaleEvent;
  buyers: Buyer[];
}

async function setUpSale(api: ApiClient, options: BenchOptions, tag: string): Promise<Sale> {
  const adminToken = await login(api, ADMIN.email, ADMIN.password);
  const shape = await createVenue(api, adminToken, tag, { rows: options.rows, seatsPerRow: options.seatsPerRow, ga: options.ga });
  // Two events of one venue: identical inventory for the workflow run and the bare PostgreSQL run.
  const sale = await createEvent(api, adminToken, shape, `Bench flash sale ${tag}`);
  const bare = await createEvent(api, adminToken, shape, `Bench bare PG ${tag}`);
  log(`venue ${shape.venueId}: ${sale.seatIds.length} seats + ${options.ga} GA; events ${sale.eventId} (sale), ${bare.eventId} (bare PG)`);
  const buyers = await registerBuyers(api, options.buyers, tag);
  log(`${buyers.length} buyers registered`);
  return { shape, sale, bare, buyers };
}

async function waitForExpiries(pool: Pool, load: LoadResult, eventId: string, holdSeconds: number): Promise<void> {
  const fromDb = await lastShortHoldDeadline(pool, eventId, holdSeconds);
  const last = Math.max(0, fromDb ?? 0, ...load.abandoned.map((a) => a.heldUntil));
  const waitMs = Math.max(0, last + EXPIRY_SETTLE_MS - Date.now());
  log(`${load.abandoned.length} abandoned holds; waiting ${(waitMs / 1000).toFixed(1)} s for the last held_until + ${EXPIRY_SETTLE_MS / 1000} s`);
  await new Promise((r) => setTimeout(r, waitMs));
}

/** The sale event as PostgreSQL has it after every abandoned hold should have been released. */
async function verifySale(pool: Pool, load: LoadResult, s: Sale): Promise<Omit<Verification, 'baselineEvent'>> {
  const [main, stuck, lag] = await Promise.all([verifyEvent(pool, s.sale.eventId), stuckHolds(pool, s.sale.eventId), releaseLag(pool, s.sale.eventId)]);
  const unknownOutcome = Object.entries(load.holdStatus)
    .filter(([status]) => !status.startsWith('2') && !status.startsWith('4'))
    .reduce((sum, [, n]) => sum + n, 0);
  return {
    main,
    stuck,
    releaseLag: lag,
    abandonedHolds: load.abandoned.length,
    unknownOutcomeHolds: unknownOutcome,
    expiredReservations: main.reservations_by_status.EXPIRED ?? 0,
  };
}

interface System {
  engine: TemporalEngine;
  stack: Stack;
  pool: Pool;
  api: ApiClient;
  children: Children;
  taskQueue: string;
}

/** Servers (reused or started), schema, then the worker(s) and the API as children on a task queue of their own. */
async function startSystem(options: BenchOptions, timestamp: string, cleanup: Cleanup, engine: TemporalEngine): Promise<System> {
  // BENCH_DATABASE: a database of its own, e.g. for a branch whose migrations main does not have yet.
  const database = process.env.BENCH_DATABASE ?? 'tickets_bench';
  log(`Temporal engine: ${engine}`);
  const stack = await ensureStack({ dataDir: join(REPO_ROOT, '.data'), database, temporalUi: false, temporalEngine: engine, log: (l) => log(`stack: ${l}`) });
  cleanup.stack = stack;
  const pool = createPool({ DATABASE_URL: stack.databaseUrl, DATABASE_POOL_SIZE: POOL_SIZE, DATABASE_STATEMENT_TIMEOUT_MS: 60_000 });
  cleanup.pool = pool;
  await migrate(pool);

  const taskQueue = `bench-${engine}-${timestamp}`;
  log(`starting ${options.workers} worker(s) and the API (task queue ${taskQueue})`);
  const logPrefix = join(REPO_ROOT, 'bench-results', `bench-${timestamp}${options.engines.length > 1 ? `-${engine}` : ''}`);
  if (options.profileDir) mkdirSync(options.profileDir, { recursive: true });
  const children = await startChildren(childEnv(stack, taskQueue), options.workers, logPrefix, (c) => cleanup.children.push(c), options.profileDir);
  log(`child logs: ${children.logFiles.map((f) => relative(REPO_ROOT, f)).join(', ')}`);
  // One keep-alive connection per buyer, plus a few for setup and clean-up calls.
  const api = createApiClient(children.apiPort, options.buyers + 8);
  cleanup.api = api;
  return { engine, stack, pool, api, children, taskQueue };
}

/**
 * Host-wide for the servers (they may be shared), exact for the processes the bench started. PostgreSQL
 * by the databases its backends serve: Temporal's (the postgres engine's persistence), the inventory's,
 * and the rest (background processes shared by both, other databases). While the floor runs, "worker"
 * is the floor's own worker: the same options, only the floor's work.
 */
function cpuGroups(sys: System, serving: 'reservations' | 'floor' = 'reservations'): CpuGroup[] {
  const pidsOf = (children: ChildProcess[]) => () => children.flatMap((c) => (c.pid ? [c.pid] : []));
  const inventory = decodeURIComponent(new URL(sys.stack.databaseUrl).pathname.slice(1));
  const temporalDbs = new Set(sys.engine === 'postgres' ? temporalDatabaseNames(defaultPersistence(sys.stack.databaseUrl)) : []);
  return [
    { name: 'temporal server', pids: () => pidsByComm(sys.engine === 'postgres' ? 'temporal-server' : 'temporal') },
    { name: 'postgres (temporal)', pids: postgresPidsServing((db) => db !== null && temporalDbs.has(db)) },
    { name: 'worker', pids: pidsOf(serving === 'floor' ? [sys.children.floorWorker] : sys.children.workers) },
    { name: 'api', pids: pidsOf([sys.children.api]) },
    { name: 'postgres (inventory)', pids: postgresPidsServing((db) => db === inventory) },
    { name: 'postgres (other)', pids: postgresPidsServing((db) => db === null || (db !== inventory && !temporalDbs.has(db))) },
    { name: 'redis', pids: () => REDIS_SERVER_NAMES.flatMap((comm) => pidsByComm(comm)) },
    { name: 'bench', pids: () => [process.pid] },
    // A server run as a process per service (TEMPORAL_SERVER_PROCESSES=per-service): its share of each.
    ...(sys.engine === 'postgres' && pidsWithArgs('temporal-server', ['--service']).length > 0
      ? SERVICES.map((service) => ({ name: `temporal ${service}`, pids: () => pidsWithArgs('temporal-server', ['--service', service]) }))
      : []),
  ];
}

async function runSale(sys: System, options: BenchOptions, sale: Sale): Promise<{ load: LoadResult; cpu: CpuUsage }> {
  log(`flash sale: ${options.rate} attempts/s for ${options.durationSeconds} s`);
  const groups = cpuGroups(sys);
  const profiled = options.profileDir ? [sys.children.api, ...sys.children.workers] : [];
  toggleProfiles(profiled);
  const before = snapshot(groups);
  const load = await runLoad({
    api: sys.api,
    buyers: sale.buyers,
    eventId: sale.sale.eventId,
    gaSectionId: sale.shape.gaSectionId,
    seatIds: sale.sale.seatIds,
    rate: options.rate,
    durationMs: options.durationSeconds * 1000,
    holdSeconds: options.holdSeconds,
    abandonRate: options.abandonRate,
    onProgress: printProgress,
  });
  const cpu = usageBetween(before, snapshot(groups));
  toggleProfiles(profiled);
  return { load, cpu };
}

function runBare(sys: System, options: BenchOptions, sale: Sale): Promise<BaselineResult> {
  log(`bare PostgreSQL baseline: holdInventory() with ${POOL_SIZE} callers for ${options.baselineSeconds} s`);
  return runBaseline({
    pool: sys.pool,
    concurrency: POOL_SIZE,
    durationMs: options.baselineSeconds * 1000,
    eventId: sale.bare.eventId,
    gaSectionId: sale.shape.gaSectionId,
    seatIds: sale.bare.seatIds,
    buyers: sale.buyers,
    holdSeconds: options.holdSeconds,
    abandonRate: options.abandonRate,
  });
}

/** Commits so far in Temporal's databases (postgres engine) and in the inventory's, from pg_stat_database. */
async function dbCommits(sys: System): Promise<Record<string, number>> {
  const inventory = decodeURIComponent(new URL(sys.stack.databaseUrl).pathname.slice(1));
  const temporalDbs = sys.engine === 'postgres' ? temporalDatabaseNames(defaultPersistence(sys.stack.databaseUrl)) : [];
  const { rows } = await sys.pool.query<{ temporal: string; inventory: string }>(
    `SELECT coalesce(sum(xact_commit) FILTER (WHERE datname = ANY($1)), 0) AS temporal,
            coalesce(sum(xact_commit) FILTER (WHERE datname = $2), 0) AS inventory
       FROM pg_stat_database`,
    [temporalDbs, inventory],
  );
  return { 'postgres (temporal)': Number(rows[0]?.temporal ?? 0), 'postgres (inventory)': Number(rows[0]?.inventory ?? 0) };
}

/**
 * --curve: the latency-throughput curve of reservations next to the floor workflow's, step by step,
 * the knees and ratios, written as JSON and drawn as an SVG next to it. Correctness of every step's
 * event (zero oversell, invariants) is still checked; speed is reported, never asserted.
 */
async function curveRun(sys: System, options: BenchOptions, timestamp: string, bareSeconds?: number): Promise<{ ok: boolean; summary: CurveSummary }> {
  const watch = watchForCrash([sys.children.api, ...sys.children.workers, sys.children.floorWorker]);
  const guarded = <T>(p: Promise<T>): Promise<T> => Promise.race([p, watch.crashed]);
  const connection = await Connection.connect({ address: sys.stack.temporalAddress });
  try {
    const adminToken = await guarded(login(sys.api, ADMIN.email, ADMIN.password));
    const shape = await guarded(createVenue(sys.api, adminToken, `${timestamp}-curve`, { rows: options.rows, seatsPerRow: options.seatsPerRow, ga: options.ga }));
    const buyers = await guarded(registerBuyers(sys.api, options.buyers, `${timestamp}-curve`));
    const events: string[] = [];
    const summary = await guarded(
      runCurve(
        {
          api: sys.api,
          pool: sys.pool,
          client: new Client({ connection, namespace: sys.stack.temporalNamespace }),
          floorTaskQueue: sys.children.floorTaskQueue,
          groups: cpuGroups(sys),
          floorGroups: cpuGroups(sys, 'floor'),
          shape,
          buyers,
          newEvent: async (step) => {
            const event = await createEvent(sys.api, adminToken, shape, `Bench curve ${timestamp} step ${step + 1}`);
            events.push(event.eventId);
            return event;
          },
          log,
          onProgress: printProgress,
          waitForExpiries: (load, eventId) => waitForExpiries(sys.pool, load, eventId, options.holdSeconds),
          dbCommits: () => dbCommits(sys),
          bareEvent: async () => {
            const big = await createVenue(sys.api, adminToken, `${timestamp}-bare`, BARE_VENUE);
            const event = await createEvent(sys.api, adminToken, big, `Bench bare statements ${timestamp}`);
            events.push(event.eventId);
            return { event, gaSectionId: big.gaSectionId };
          },
        },
        { ...options, ...(bareSeconds ? { bareSeconds } : {}) },
      ),
    );
    await guarded(cancelOpenWorkflows(sys.stack.temporalAddress, sys.stack.temporalNamespace, sys.taskQueue));
    watch.dispose();
    const checks = await Promise.all(events.map((id) => verifyEvent(sys.pool, id)));
    const correct = checks.every((c) => c.oversold.total === 0 && c.sections.every((s) => s.ok));
    const out = resolve(REPO_ROOT, options.out);
    const svg = out.replace(/\.json$/, '.svg');
    mkdirSync(dirname(out), { recursive: true });
    const build = sys.engine === 'postgres' ? readBuildRecord(join(REPO_ROOT, '.data')) : null;
    const environment = { ...environmentOf(sys), ...(build ? { temporal_server_build: build } : {}) };
    writeFileSync(out, `${JSON.stringify({ options, environment, ...summary, correctness: { ok: correct, events: checks } }, null, 2)}\n`);
    writeFileSync(svg, await curveSvg(curvePoints(summary), `Reservations vs the floor workflow, ${engineLabel(sys.engine)} (${cpus().length} cores, everything on one machine)`));
    console.log(`\nTemporal engine: ${engineLabel(sys.engine)}`);
    console.log(renderCurve(summary, correct));
    console.log(`\nJSON: ${out}\nSVG:  ${svg}`);
    return { ok: correct, summary };
  } finally {
    watch.dispose();
    await connection.close();
  }
}

/** The flash sale at --rate, then the bare hold transaction over the same mix; the report and its JSON. */
async function saleRun(sys: System, options: BenchOptions, timestamp: string, setupStart: number, startedAt: Date): Promise<{ ok: boolean; report: BenchReport }> {
  // A worker or the API dying mid-run must end the run with that error, not skew its numbers.
  const watch = watchForCrash([sys.children.api, ...sys.children.workers, sys.children.floorWorker]);
  const guarded = <T>(p: Promise<T>): Promise<T> => Promise.race([p, watch.crashed]);
  try {
    const sale = await guarded(setUpSale(sys.api, options, timestamp));
    const live = options.live ? await guarded(startLive(sys, options, sale, timestamp)) : null;
    const setupMs = performance.now() - setupStart;
    log(`set up in ${(setupMs / 1000).toFixed(1)} s`);
    const { load, cpu } = await guarded(runSale(sys, options, sale));
    process.stdout.write('\n');
    const liveSamples = live ? await guarded(live.load.stop()) : null;
    await guarded(waitForExpiries(sys.pool, load, sale.sale.eventId, Math.max(options.holdSeconds, options.live?.offerSeconds ?? 0)));
    const liveReport: LiveReport | null = live && liveSamples ? await measureLive(sys.pool, liveSamples, live.options, live.stage) : null;
    const saleChecks = await verifySale(sys.pool, load, sale);
    const leftovers = await guarded(cancelOpenWorkflows(sys.stack.temporalAddress, sys.stack.temporalNamespace, sys.taskQueue));
    if (leftovers > 0) log(`cancelled ${leftovers} reservation workflow(s) still open after the sale (holds answered 503 or unpaid)`);
    watch.dispose();

    // Run after the sale, never alongside it: the two would compete for the same two cores.
    const baseline = await runBare(sys, options, sale);
    const verification: Verification = { ...saleChecks, baselineEvent: await verifyEvent(sys.pool, sale.bare.eventId) };

    const report: BenchReport = {
      options,
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      environment: { ...environmentOf(sys), task_queue: sys.taskQueue },
      ids: { venue: sale.shape.venueId, sale_event: sale.sale.eventId, bare_event: sale.bare.eventId },
      setupMs,
      load,
      cpu,
      verification,
      baseline,
      ...(liveReport ? { live: liveReport } : {}),
    };
    const v = verdicts(report);
    console.log(renderReport(report, v));
    if (liveReport) console.log(renderLive(liveReport));
    const out = resolve(REPO_ROOT, options.out);
    writeJson(out, report, v);
    console.log(`\nJSON: ${out}`);
    return { ok: v.correctnessOk, report };
  } finally {
    watch.dispose();
  }
}

/**
 * --smoke, for CI: every part of the benchmark runs briefly (a small sale with payments and expiries,
 * the bare statements, one curve step with the floor workflow) and only correctness is judged: nothing
 * oversold, every invariant holds, no hold left live, and each part actually measured something.
 */
async function smokeRun(sys: System, options: BenchOptions, timestamp: string, setupStart: number, startedAt: Date): Promise<boolean> {
  const sale = await saleRun(sys, options, timestamp, setupStart, startedAt);
  const curve = await curveRun(sys, { ...options, steps: [options.rate], stepSeconds: 3, out: options.out.replace(/\.json$/, '-curve.json') }, timestamp, 1);
  const step = curve.summary.steps[0];
  const load = sale.report.load;
  const checks: Array<[string, boolean]> = [
    ['sale: nothing oversold, every invariant holds', sale.ok],
    ['sale: holds were made, paid and abandoned', load.holdsOk > 0 && load.confirmed > 0 && load.abandoned.length > 0],
    ['sale: every abandoned hold was released', sale.report.verification.stuck.count === 0 && sale.report.verification.expiredReservations > 0],
    ['sale: no hold answered 5xx', sale.report.verification.unknownOutcomeHolds === 0],
    ['bare statement: holds were made', sale.report.baseline.holdsOk > 0],
    ['curve: nothing oversold, every invariant holds', curve.ok],
    ['curve: the floor workflow held and released without errors', !!step && step.floor.achieved_rate > 0 && step.floor.errors === 0 && step.floor.release_lag.count > 0],
    ['curve: reservations held and were released', !!step && step.reservation.achieved_rate > 0 && step.reservation.release_lag.count > 0],
    ['curve: bare seats and GA statements measured', curve.summary.bare.seats.holds_per_second > 0 && curve.summary.bare.ga.holds_per_second > 0],
  ];
  console.log(`\nSmoke checks (correctness only; speed is never judged here):\n${checks.map(([name, ok]) => `  ${ok ? 'OK  ' : 'FAIL'} ${name}`).join('\n')}`);
  return checks.every(([, ok]) => ok);
}

/** --worker-cache: one worker, --workflows open reservations, its memory before and after (see bench-worker-cache.ts). */
async function workerCacheRun(sys: System, options: BenchOptions, timestamp: string): Promise<boolean> {
  const worker = sys.children.workers[0];
  if (!worker?.pid || options.workers !== 1) throw new UsageError('--worker-cache measures one worker: leave --workers at 1');
  const adminToken = await login(sys.api, ADMIN.email, ADMIN.password);
  const shape = await createVenue(sys.api, adminToken, `${timestamp}-cache`, { rows: options.rows, seatsPerRow: options.seatsPerRow, ga: options.ga });
  const event = await createEvent(sys.api, adminToken, shape, `Bench worker cache ${timestamp}`);
  const buyers = await registerBuyers(sys.api, Math.min(options.buyers, 50), `${timestamp}-cache`);
  const workerLog = readFileSync(sys.children.logFiles[0] ?? '', 'utf8');
  const maxCached = /caching up to (\d+) workflows/.exec(workerLog)?.[1];
  const result = await measureWorkerCache({ api: sys.api, workerPid: worker.pid, event, buyers, workflows: options.workflows, maxCached: maxCached ? Number(maxCached) : null, log });
  await cancelOpenWorkflows(sys.stack.temporalAddress, sys.stack.temporalNamespace, sys.taskQueue);
  const check = await verifyEvent(sys.pool, event.eventId);
  const ok = check.oversold.total === 0 && check.sections.every((s) => s.ok);
  console.log(renderWorkerCache(result));
  const out = resolve(REPO_ROOT, options.out);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify({ options, environment: { node: process.version, cpus: cpus().length }, ...result, correctness: { ok, event: check } }, null, 2)}\n`);
  console.log(`\nJSON: ${out}`);
  return ok;
}

/** --live: the waiting list's event and its fans, then the readers, the stream clients and the line, started just before the sale. */
async function startLive(sys: System, options: BenchOptions, sale: Sale, tag: string) {
  const o = options.live!;
  const liveOptions = { port: sys.children.apiPort, saleEventId: sale.sale.eventId, ...o };
  const adminToken = await login(sys.api, ADMIN.email, ADMIN.password);
  const stage = await setUpWaitlistStage(sys.api, adminToken, tag, liveOptions);
  log(`live: ${o.mapRate} seat-map reads/s, ${o.sseClients} stream clients, waiting list of ${stage.fans.length} fans for ${stage.seatIds.length} seats (event ${stage.eventId})`);
  const load = new LiveLoad(sys.api, liveOptions, stage);
  await load.start();
  return { load, stage, options: liveOptions };
}

/** --waiting-room: see lib/bench-waiting-room.ts. */
async function waitingRoomRun(sys: System, options: BenchOptions, timestamp: string, startedAt: Date): Promise<boolean> {
  const watch = watchForCrash([sys.children.api, ...sys.children.workers, sys.children.floorWorker]);
  try {
    const temporal = { address: sys.stack.temporalAddress, namespace: sys.stack.temporalNamespace, taskQueue: sys.taskQueue };
    const run = await Promise.race([
      runWaitingRoom({
        api: sys.api,
        apiPort: sys.children.apiPort,
        pool: sys.pool,
        temporal,
        options,
        tag: timestamp,
        log,
        groups: cpuGroups(sys),
        adminToken: await login(sys.api, ADMIN.email, ADMIN.password),
        admissionWindowSeconds: ADMISSION_WINDOW_SECONDS,
        waitForExpiries: (load, eventId) => waitForExpiries(sys.pool, load, eventId, options.holdSeconds),
      }),
      watch.crashed,
    ]);
    const summary = summarizeWaitingRoom(run);
    console.log(renderWaitingRoom(summary));
    const out = resolve(REPO_ROOT, options.out);
    const environment = { node: process.version, cpus: cpus().length, temporal: temporal.address, task_queue: temporal.taskQueue };
    writeWaitingRoomJson(out, { options, startedAt: startedAt.toISOString(), finishedAt: new Date().toISOString(), environment }, summary, run);
    console.log(`\nJSON: ${out}`);
    return summary.correctness_ok;
  } finally {
    watch.dispose();
  }
}

function engineLabel(engine: TemporalEngine): string {
  return engine === 'postgres' ? 'Temporal server on PostgreSQL' : 'dev server (SQLite)';
}

function environmentOf(sys: System): Record<string, string | number> {
  return { node: process.version, cpus: cpus().length, engine: sys.engine, temporal: sys.stack.temporalAddress };
}

/** --curve --engines a,b: the curve on each engine in turn (the other's servers stopped if the bench started them), then side by side. */
async function enginesCurveRun(options: BenchOptions, timestamp: string, cleanup: Cleanup): Promise<boolean> {
  const curves: EngineCurve[] = [];
  for (const engine of options.engines) {
    const sys = await startSystem(options, timestamp, cleanup, engine);
    const out = options.out.replace(/\.json$/, `-${engine}.json`);
    const { ok, summary } = await curveRun(sys, { ...options, out }, `${timestamp}-${engine}`);
    curves.push({ engine, label: engineLabel(engine), ok, summary, out });
    await cleanup.release();
  }
  const build = readBuildRecord(join(REPO_ROOT, '.data'));
  console.log(renderEngineComparison(curves, build));
  const out = resolve(REPO_ROOT, options.out);
  mkdirSync(dirname(out), { recursive: true });
  const environment = { node: process.version, cpus: cpus().length, ...(build ? { temporal_server_build: build } : {}) };
  writeFileSync(out, `${JSON.stringify({ options, environment, engines: curves.map((c) => ({ engine: c.engine, ok: c.ok, json: relative(REPO_ROOT, resolve(REPO_ROOT, c.out)), ...c.summary })) }, null, 2)}\n`);
  console.log(`\nJSON (both engines): ${out}`);
  return curves.every((c) => c.ok);
}

async function run(options: BenchOptions, timestamp: string, cleanup: Cleanup): Promise<boolean> {
  if (options.engines.length > 1) return enginesCurveRun(options, timestamp, cleanup);
  const startedAt = new Date();
  const setupStart = performance.now();
  const sys = await startSystem(options, timestamp, cleanup, options.engines[0] ?? 'dev');
  switch (options.mode) {
    case 'curve':
      return (await curveRun(sys, options, timestamp)).ok;
    case 'worker-cache':
      return workerCacheRun(sys, options, timestamp);
    case 'smoke':
      return smokeRun(sys, options, timestamp, setupStart, startedAt);
    case 'cancel-event':
      return cancelEventRun(sys, options, timestamp, ADMIN, log);
    case 'resale':
      return resaleRun(sys, options, timestamp, ADMIN, log);
    case 'waiting-room':
      return waitingRoomRun(sys, options, timestamp, startedAt);
    case 'sale':
      return (await saleRun(sys, options, timestamp, setupStart, startedAt)).ok;
  }
}

async function main(): Promise<number> {
  const timestamp = new Date().toISOString().replace(/[:.]/g, '-');
  let options: BenchOptions | null;
  try {
    options = parseArgs(process.argv.slice(2), timestamp);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(`${err.message}\n\n${usage()}`);
    return 2;
  }
  if (!options) {
    console.log(usage());
    return 0;
  }
  const cleanup = new Cleanup();
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (interrupted) return;
    interrupted = true;
    log(`${signal}: stopping the worker(s), the API and the servers the bench started...`);
    void cleanup.run().finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return (await run(options, timestamp, cleanup)) ? 0 : 1;
  } catch (err) {
    if (interrupted) return 130;
    console.error(`\nbench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    return 1;
  } finally {
    await cleanup.run();
    if (options.profileDir) printProfiles(options.profileDir);
  }
}

/** The children's CPU profiles (written as they stopped), summarized by module next to the files. */
function printProfiles(dir: string): void {
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')) : [];
  if (files.length === 0) {
    log(`no CPU profile in ${dir} (a child that was killed writes none)`);
    return;
  }
  const text = files.map((f) => formatSummary(f.replace(/\.cpuprofile$/, ''), summarizeProfile(join(dir, f)))).join('\n\n');
  writeFileSync(join(dir, 'summary.txt'), `${text}\n`);
  console.log(`\nCPU profiles (${dir}; open a .cpuprofile in Chrome DevTools or speedscope):\n${text}`);
}

main()
  .then((code) => process.exit(code))
  .catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
