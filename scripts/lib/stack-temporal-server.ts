/**
 * The production engine on this machine (`npm run stack -- --engine postgres`): the Temporal server built
 * from its Go module (temporal-server-build.ts), its frontend, history, matching and worker services in
 * one process, persistence in PostgreSQL databases of its own whose schema the server's SQL tool sets
 * up, the config kept in ops/temporal/ (docker-compose.yml runs the same files), and the Web UI.
 */
import * as path from 'path';
import { Client as PgClient } from 'pg';
import { Connection, isGrpcServiceError } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { REPO_ROOT } from './processes';
import { ensureSearchAttributes } from './stack-temporal';
import { ensureTemporalBinaries, type TemporalBinaries } from './temporal-server-build';
import { errorMessage, isPortOpen, liveOrphan, reapOrphan, runCommand, spawnServer, tailFile, waitUntil, type StackContext, type Stopper } from './stack-util';

const HOST = '127.0.0.1';
export const OPS_DIR = path.join(REPO_ROOT, 'ops', 'temporal');
const CONFIG_FILE = path.join(OPS_DIR, 'config.yaml');
const DYNAMIC_CONFIG_FILE = path.join(OPS_DIR, 'dynamicconfig.yaml');
/** The SQL plugin and the schemas embedded in the SQL tool for it. */
const PLUGIN = 'postgres12';
const SCHEMAS = { main: 'postgresql/v12/temporal', visibility: 'postgresql/v12/visibility' } as const;
/** As the dev server's default namespace. */
const RETENTION_SECONDS = 24 * 3600;
const START_TIMEOUT_MS = 90_000;
const RPC_TIMEOUT_MS = 3000;
const GRPC_NOT_FOUND = 5;
const GRPC_ALREADY_EXISTS = 6;

export interface ServerPorts {
  frontend: number;
  frontendHttp: number;
  history: number;
  matching: number;
  worker: number;
  frontendMembership: number;
  historyMembership: number;
  matchingMembership: number;
  workerMembership: number;
  metrics: number;
  ui: number;
}

/**
 * Each port, the variable that sets it (the names ops/temporal/config.yaml and ui/local.yaml read) and
 * its default: the dev server's ports + 10, so both engines run side by side.
 */
export const PORT_SETTINGS: Readonly<Record<keyof ServerPorts, readonly [string, number]>> = {
  frontend: ['FRONTEND_GRPC_PORT', 7243],
  frontendHttp: ['FRONTEND_HTTP_PORT', 7244],
  history: ['HISTORY_GRPC_PORT', 7245],
  matching: ['MATCHING_GRPC_PORT', 7246],
  worker: ['WORKER_GRPC_PORT', 7247],
  frontendMembership: ['FRONTEND_MEMBERSHIP_PORT', 6943],
  historyMembership: ['HISTORY_MEMBERSHIP_PORT', 6944],
  matchingMembership: ['MATCHING_MEMBERSHIP_PORT', 6945],
  workerMembership: ['WORKER_MEMBERSHIP_PORT', 6946],
  metrics: ['TEMPORAL_METRICS_PORT', 9243],
  ui: ['TEMPORAL_UI_PORT', 8243],
};

export function configuredPorts(env: NodeJS.ProcessEnv = process.env): ServerPorts {
  const entries = Object.entries(PORT_SETTINGS).map(([key, [name, fallback]]) => {
    const value = Number.parseInt(env[name] ?? '', 10);
    return [key, Number.isInteger(value) && value > 0 ? value : fallback];
  });
  return Object.fromEntries(entries) as unknown as ServerPorts;
}

/** Where the server keeps its state: two databases on one PostgreSQL server. */
export interface TemporalPersistence {
  /** postgres://user:password@host:port/<main database>; the visibility database is `<main>_visibility`. */
  url: string;
  /** Fixed for the life of the databases (ops/temporal/config.yaml); unset: the config's default. */
  shards?: number;
}

interface Databases {
  host: string;
  port: number;
  user: string;
  password: string;
  main: string;
  visibility: string;
}

function databases(persistence: TemporalPersistence): Databases {
  const url = new URL(persistence.url);
  const main = decodeURIComponent(url.pathname.replace(/^\//, '')) || 'temporal';
  return {
    host: url.hostname,
    port: Number(url.port || 5432),
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    main,
    visibility: `${main}_visibility`,
  };
}

/** The two databases' names (the bench tells their PostgreSQL backends from the inventory's by them). */
export function temporalDatabaseNames(persistence: TemporalPersistence): string[] {
  const db = databases(persistence);
  return [db.main, db.visibility];
}

/** The Temporal databases on the stack's PostgreSQL server unless TEMPORAL_DATABASE_URL names others. */
export function defaultPersistence(stackDatabaseUrl: string): TemporalPersistence {
  const fromEnv = process.env.TEMPORAL_DATABASE_URL;
  if (fromEnv) return { url: fromEnv };
  const url = new URL(stackDatabaseUrl);
  url.pathname = '/temporal';
  return { url: url.toString() };
}

/** The environment ops/temporal/config.yaml is rendered with. */
function serverEnv(ports: ServerPorts, persistence: TemporalPersistence): NodeJS.ProcessEnv {
  const db = databases(persistence);
  const portEnv = Object.fromEntries(Object.entries(PORT_SETTINGS).map(([key, [name]]) => [name, String(ports[key as keyof ServerPorts])]));
  return {
    ...process.env,
    ...portEnv,
    BIND_ON_IP: HOST,
    PROMETHEUS_ENDPOINT: `${HOST}:${ports.metrics}`,
    DB: PLUGIN,
    POSTGRES_SEEDS: db.host,
    DB_PORT: String(db.port),
    POSTGRES_USER: db.user,
    POSTGRES_PWD: db.password,
    DBNAME: db.main,
    VISIBILITY_DBNAME: db.visibility,
    DYNAMIC_CONFIG_FILE_PATH: DYNAMIC_CONFIG_FILE,
    ...(persistence.shards ? { NUM_HISTORY_SHARDS: String(persistence.shards) } : {}),
  };
}

export const SERVICES = ['frontend', 'history', 'matching', 'worker'] as const;
export type Service = (typeof SERVICES)[number];

/**
 * `one` (default): the four services in one process, as docker-compose.yml runs the image.
 * `per-service` (TEMPORAL_SERVER_PROCESSES=per-service): a process for each, as a cluster deploys them,
 * so that each service's CPU can be measured on its own (the bench groups them by service).
 */
export function processLayout(): 'one' | 'per-service' {
  const value = process.env.TEMPORAL_SERVER_PROCESSES ?? 'one';
  if (value === 'one' || value === 'per-service') return value;
  throw new Error(`TEMPORAL_SERVER_PROCESSES must be "one" or "per-service", got "${value}"`);
}

/** Pid-file names of the server's processes in either layout (`npm run stack -- stop` stops them all). */
export const SERVER_PROCESS_NAMES: readonly string[] = ['temporal-server', ...SERVICES.map((s) => `temporal-server-${s}`)];

/** What runs the server, or one `service` of it: the caller decides how (a stack server, or a test's child). */
export function serverCommand(
  binaries: TemporalBinaries,
  ports: ServerPorts,
  persistence: TemporalPersistence,
  service?: Service,
): { cmd: string; args: string[]; env: NodeJS.ProcessEnv } {
  return {
    cmd: binaries['temporal-server'],
    args: ['--config-file', CONFIG_FILE, '--allow-no-auth', 'start', ...(service ? ['--service', service] : [])],
    env: serverEnv(ports, persistence),
  };
}

async function withPg<T>(db: Databases, database: string, fn: (client: PgClient) => Promise<T>): Promise<T> {
  const client = new PgClient({ host: db.host, port: db.port, user: db.user, password: db.password, database, connectionTimeoutMillis: 5000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Both databases created and brought to the schema version of this server by its own SQL tool:
 * `setup-schema -v 0.0` once on a new database, then `update-schema`, which applies only the
 * versions a database lacks (so an upgraded server upgrades its databases on its next start).
 */
export async function setUpSchema(binaries: TemporalBinaries, persistence: TemporalPersistence, log: (line: string) => void): Promise<void> {
  const db = databases(persistence);
  const env = { ...process.env, SQL_PASSWORD: db.password };
  for (const [database, schema] of [[db.main, SCHEMAS.main], [db.visibility, SCHEMAS.visibility]] as const) {
    const tool = (args: string[]) =>
      runCommand(binaries['temporal-sql-tool'], ['--plugin', PLUGIN, '--ep', db.host, '--port', String(db.port), '--user', db.user, '--db', database, ...args], 300_000, env);
    const exists = await withPg(db, 'postgres', async (c) => (await c.query('select 1 from pg_database where datname = $1', [database])).rowCount === 1);
    if (!exists) {
      log(`temporal-server: creating database ${database}`);
      await tool(['create-database', '--defaultdb', 'postgres']);
    }
    const versioned = await withPg(db, database, async (c) => (await c.query(`select to_regclass('schema_version') is not null as v`)).rows[0]?.v === true);
    if (!versioned) await tool(['setup-schema', '-v', '0.0']);
    await tool(['update-schema', '--schema-name', schema]);
  }
}

/** Drops both databases (a test's scratch server). */
export async function dropDatabases(persistence: TemporalPersistence): Promise<void> {
  const db = databases(persistence);
  await withPg(db, 'postgres', async (c) => {
    for (const name of [db.main, db.visibility]) await c.query(`drop database if exists ${c.escapeIdentifier(name)} with (force)`);
  });
}

async function withConnection<T>(address: string, fn: (connection: Connection) => Promise<T>): Promise<T> {
  const connection = await Connection.connect({ address, connectTimeout: '3s' });
  try {
    return await connection.withDeadline(Date.now() + RPC_TIMEOUT_MS * 5, () => fn(connection));
  } finally {
    await connection.close();
  }
}

/** The frontend answers and its namespace registry has `namespace` (list goes through it, describe does not). */
export async function servesNamespace(address: string, namespace: string): Promise<boolean> {
  const [host, port] = [address.slice(0, address.lastIndexOf(':')), Number(address.slice(address.lastIndexOf(':') + 1))];
  if (!(await isPortOpen(host, port))) return false;
  try {
    await withConnection(address, (c) => c.workflowService.listWorkflowExecutions({ namespace, pageSize: 1 }));
    return true;
  } catch {
    return false;
  }
}

/** Unlike the dev server, the real one starts with no namespace but its own system one. */
export async function ensureNamespace(address: string, namespace: string, log: (line: string) => void): Promise<void> {
  await waitUntil('temporal-server frontend', START_TIMEOUT_MS, async () => {
    try {
      await withConnection(address, (c) => c.workflowService.getSystemInfo({}));
      return true;
    } catch {
      return false;
    }
  });
  await withConnection(address, async (c) => {
    try {
      await c.workflowService.describeNamespace({ namespace });
      return;
    } catch (err) {
      if (!(isGrpcServiceError(err) && err.code === GRPC_NOT_FOUND)) throw err;
    }
    log(`temporal-server: registering namespace ${namespace} (retention ${RETENTION_SECONDS / 3600} h)`);
    try {
      await c.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs(RETENTION_SECONDS * 1000) });
    } catch (err) {
      if (!(isGrpcServiceError(err) && err.code === GRPC_ALREADY_EXISTS)) throw err;
    }
  });
  await waitUntil(`temporal-server namespace ${namespace}`, 30_000, () => servesNamespace(address, namespace));
}

async function answersHttp(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
    await res.body?.cancel();
    return true;
  } catch {
    return false;
  }
}

export interface TemporalServerService {
  address: string;
  uiUrl: string | null;
  stop?: Stopper;
}

async function startUi(ctx: StackContext, binaries: TemporalBinaries, address: string, ports: ServerPorts): Promise<Stopper> {
  const url = `http://${HOST}:${ports.ui}/`;
  const env = { ...process.env, TEMPORAL_ADDRESS: address, TEMPORAL_UI_PORT: String(ports.ui), TEMPORAL_UI_IP: HOST };
  const ui = spawnServer(ctx, 'temporal-ui-server', binaries['temporal-ui-server'], ['--root', OPS_DIR, '--config', 'ui', '--env', 'local', 'start'], env);
  try {
    await waitUntil('temporal-ui-server', 30_000, () => answersHttp(url), ui.exitReason);
  } catch (err) {
    await ui.stop();
    throw new Error(`${errorMessage(err)}\n--- ${ui.logFile} ---\n${tailFile(ui.logFile)}`, { cause: err });
  }
  return ui.stop;
}

/**
 * The server ignores a key it does not know and falls back to the default for a value of the wrong
 * type, both silently: its own validator makes either a start failure instead.
 */
export async function validateDynamicConfig(binaries: TemporalBinaries): Promise<void> {
  const { stdout, stderr } = await runCommand(binaries['temporal-server'], ['validate-dynamic-config', DYNAMIC_CONFIG_FILE]);
  const warnings = `${stdout}\n${stderr}`.split('\n').filter((line) => /warning|error/i.test(line));
  if (warnings.length > 0) throw new Error(`${DYNAMIC_CONFIG_FILE}:\n${warnings.join('\n')}`);
}

async function startServer(ctx: StackContext, binaries: TemporalBinaries, ports: ServerPorts, persistence: TemporalPersistence, namespace: string): Promise<Stopper> {
  const address = `${HOST}:${ports.frontend}`;
  await validateDynamicConfig(binaries);
  await setUpSchema(binaries, persistence, ctx.log);
  const db = databases(persistence);
  const layout = processLayout();
  ctx.log(
    `temporal-server: starting on ${address}${layout === 'per-service' ? ', a process per service' : ''} ` +
      `(PostgreSQL ${db.host}:${db.port}, databases ${db.main} and ${db.visibility})`,
  );
  const parts: Array<Service | undefined> = layout === 'per-service' ? [...SERVICES] : [undefined];
  const servers = parts.map((service) => {
    const { cmd, args, env } = serverCommand(binaries, ports, persistence, service);
    return spawnServer(ctx, service ? `temporal-server-${service}` : 'temporal-server', cmd, args, env);
  });
  const stop = async (): Promise<void> => {
    await Promise.all(servers.map((server) => server.stop()));
  };
  const exited = (): string | null => servers.map((server) => server.exitReason()).find((reason) => reason !== null) ?? null;
  try {
    await waitUntil('temporal-server', START_TIMEOUT_MS, () => isPortOpen(HOST, ports.frontend), exited);
    await ensureNamespace(address, namespace, ctx.log);
  } catch (err) {
    await stop();
    const logs = servers.map((server) => `--- ${server.logFile} ---\n${tailFile(server.logFile)}`).join('\n');
    throw new Error(`${errorMessage(err)}\n${logs}`, { cause: err });
  }
  return async () => {
    ctx.log('temporal-server: stopping');
    await stop();
  };
}

/** A server from a crashed run may still be booting: give it a chance before replacing it. */
async function adoptOrReapOrphan(ctx: StackContext, address: string, port: number, namespace: string): Promise<boolean> {
  const orphans = SERVER_PROCESS_NAMES.flatMap((name) => {
    const pid = liveOrphan(path.join(ctx.runDir, `${name}.pid`), 'temporal-server');
    return pid === null ? [] : [{ name, pid }];
  });
  if (orphans.length === 0) return false;
  ctx.log(`temporal-server: waiting for pid ${orphans.map((o) => o.pid).join(', ')} from an earlier run`);
  try {
    await waitUntil('temporal-server', 30_000, () => servesNamespace(address, namespace));
    return true;
  } catch {
    for (const { name, pid } of orphans) await reapOrphan(ctx, name, pid, HOST, port);
    return false;
  }
}

/**
 * The PostgreSQL-backed server on its configured ports: reused when it answers, otherwise built (once),
 * its schema set up and started. Then the UI, reused or started, when asked for.
 */
export async function ensureTemporalServer(ctx: StackContext, namespace: string, ui: boolean, persistence: TemporalPersistence): Promise<TemporalServerService> {
  const ports = configuredPorts();
  const address = `${HOST}:${ports.frontend}`;
  const stoppers: Stopper[] = [];
  let reused = (await servesNamespace(address, namespace)) || (await adoptOrReapOrphan(ctx, address, ports.frontend, namespace));
  if (!reused && (await isPortOpen(HOST, ports.frontend))) {
    // A server of ours whose namespace is missing (a new TEMPORAL_NAMESPACE) is still ours to use.
    try {
      await ensureNamespace(address, namespace, ctx.log);
      reused = true;
    } catch (err) {
      throw new Error(`${address} is in use by something that is not a usable Temporal server (${errorMessage(err)}); set FRONTEND_GRPC_PORT or free the port`, { cause: err });
    }
  }
  let binaries: TemporalBinaries | null = null;
  if (reused) {
    ctx.log(`temporal-server: reusing server on ${address}`);
  } else {
    binaries = await ensureTemporalBinaries(ctx.dataDir, ctx.log);
    stoppers.push(await startServer(ctx, binaries, ports, persistence, namespace));
  }
  const stopAll: Stopper = async () => {
    for (const stop of [...stoppers].reverse()) await stop();
  };
  let uiUrl: string | null = null;
  const url = `http://localhost:${ports.ui}`;
  try {
    await ensureSearchAttributes(ctx, address, namespace);
    if (await answersHttp(`http://${HOST}:${ports.ui}/`)) uiUrl = url;
    else if (ui) {
      binaries ??= await ensureTemporalBinaries(ctx.dataDir, ctx.log);
      stoppers.push(await startUi(ctx, binaries, address, ports));
      uiUrl = url;
    }
  } catch (err) {
    await stopAll().catch(() => undefined);
    throw err;
  }
  return { address, uiUrl, stop: stoppers.length > 0 ? stopAll : undefined };
}
