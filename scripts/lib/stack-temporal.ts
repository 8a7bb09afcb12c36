/**
 * Temporal for the local stack: reuse TEMPORAL_ADDRESS or 127.0.0.1:$TEMPORAL_PORT (7233),
 * otherwise run `temporal server start-dev` with a SQLite file under dataDir.
 * Either way, make sure the custom search attributes exist.
 */
import * as fs from 'fs';
import * as http from 'http';
import * as path from 'path';
import { Connection, isGrpcServiceError } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { findBinary } from '../local-binaries';
import {
  errorMessage,
  isPortOpen,
  liveOrphan,
  portFromEnv,
  reapOrphan,
  spawnServer,
  tailFile,
  waitUntil,
  type StackContext,
  type Stopper,
} from './stack-util';

const HOST = '127.0.0.1';
const PORT = portFromEnv('TEMPORAL_PORT', 7233);
/** The CLI's own default is the gRPC port + 1000. */
const UI_PORT = portFromEnv('TEMPORAL_UI_PORT', PORT + 1000);
const LOCAL_ADDRESS = `${HOST}:${PORT}`;
const UI_URL = `http://localhost:${UI_PORT}`;
const START_TIMEOUT_MS = 60_000;
const RPC_TIMEOUT_MS = 3000;
/** gRPC status ALREADY_EXISTS */
const GRPC_ALREADY_EXISTS = 6;

const KEYWORD = temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD;
/** Custom search attributes the reservation workflows set; all Keyword. */
export const SEARCH_ATTRIBUTES: Readonly<Record<string, temporal.api.enums.v1.IndexedValueType>> = {
  ReservationStatus: KEYWORD,
  EventId: KEYWORD,
  UserId: KEYWORD,
};

export interface TemporalService {
  address: string;
  uiUrl: string | null;
  stop?: Stopper;
}

/** PATH, pip's script dirs, then the copy ensure-deps installed under .data/tools. */
export { findBinary };

function splitAddress(address: string): { host: string; port: number } {
  const match = /^(.*):(\d+)$/.exec(address);
  if (!match?.[1] || !match[2]) return { host: address, port: PORT };
  return { host: match[1].replace(/^\[|\]$/g, ''), port: Number(match[2]) };
}

async function withConnection<T>(address: string, fn: (connection: Connection) => Promise<T>): Promise<T> {
  const connection = await Connection.connect({ address, connectTimeout: '3s' });
  try {
    return await fn(connection);
  } finally {
    await connection.close();
  }
}

/** A cheap TCP check first: Connection.connect to a closed port would wait for its timeout. */
export async function isTemporalUp(address: string, namespace?: string): Promise<boolean> {
  const { host, port } = splitAddress(address);
  if (!(await isPortOpen(host, port))) return false;
  try {
    await withConnection(address, (connection) =>
      connection.withDeadline(Date.now() + RPC_TIMEOUT_MS, async () => {
        await connection.workflowService.getSystemInfo({});
        if (namespace) await connection.workflowService.describeNamespace({ namespace });
      }),
    );
    return true;
  } catch {
    return false;
  }
}

async function missingSearchAttributes(connection: Connection, namespace: string): Promise<string[]> {
  const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
  return Object.keys(SEARCH_ATTRIBUTES).filter((name) => !(name in customAttributes));
}

/** Registration can take a moment to become visible, so wait for it. */
export async function ensureSearchAttributes(ctx: StackContext, address: string, namespace: string): Promise<void> {
  await withConnection(address, async (connection) => {
    const missing = await missingSearchAttributes(connection, namespace);
    if (missing.length === 0) return;
    ctx.log(`temporal: registering search attributes ${missing.join(', ')} in namespace ${namespace}`);
    const searchAttributes = Object.fromEntries(missing.map((name) => [name, SEARCH_ATTRIBUTES[name] ?? KEYWORD]));
    try {
      await connection.operatorService.addSearchAttributes({ namespace, searchAttributes });
    } catch (err) {
      // Another process may have registered them concurrently.
      if (!(isGrpcServiceError(err) && err.code === GRPC_ALREADY_EXISTS)) throw err;
    }
    await waitUntil('temporal search attributes', 15_000, async () => (await missingSearchAttributes(connection, namespace)).length === 0);
  });
}

function answersHttp(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const request = http.get(url, { timeout: 1000 }, (response) => {
      response.resume();
      resolve(true);
    });
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolve(false));
  });
}

async function startTemporal(ctx: StackContext, namespace: string, ui: boolean): Promise<Stopper> {
  const binary = findBinary('temporal');
  if (!binary) throw new Error('Temporal CLI (temporal) not found; run: node scripts/ensure-deps.js');
  const dbDir = path.join(ctx.dataDir, 'temporal');
  fs.mkdirSync(dbDir, { recursive: true });

  const args = [
    'server', 'start-dev',
    '--ip', HOST,
    '--port', String(PORT),
    '--ui-port', String(UI_PORT),
    '--db-filename', path.join(dbDir, 'temporal.db'),
    // WAL with synchronous=NORMAL survives a crash of the server process (what local persistence is
    // for) without an fsync per transaction, which otherwise caps the dev server at a few
    // workflows per second on an ordinary disk.
    '--sqlite-pragma', 'journal_mode=wal',
    '--sqlite-pragma', 'synchronous=normal',
    '--namespace', namespace,
    '--log-level', 'warn',
    // One matching partition per task queue: on a single-node server more only add forwarding between
    // partitions to every task (the floor workflow's server CPU, see docs/benchmarks.md, "Worker settings").
    '--dynamic-config-value', 'matching.numTaskqueueReadPartitions=1',
    '--dynamic-config-value', 'matching.numTaskqueueWritePartitions=1',
    // Only honoured when the db file is new; ensureSearchAttributes covers existing ones.
    ...Object.keys(SEARCH_ATTRIBUTES).flatMap((name) => ['--search-attribute', `${name}=Keyword`]),
    ...(ui ? [] : ['--headless']),
  ];
  ctx.log(`temporal: starting dev server on ${LOCAL_ADDRESS}${ui ? `, UI ${UI_URL}` : ''} (db: ${dbDir})`);
  const server = spawnServer(ctx, 'temporal', binary, args);
  try {
    await waitUntil('temporal', START_TIMEOUT_MS, () => isTemporalUp(LOCAL_ADDRESS, namespace), server.exitReason);
  } catch (err) {
    await server.stop();
    throw new Error(`${errorMessage(err)}\n--- ${server.logFile} ---\n${tailFile(server.logFile)}`, { cause: err });
  }
  return async () => {
    ctx.log('temporal: stopping');
    await server.stop();
  };
}

async function reachableServer(ctx: StackContext): Promise<string | null> {
  const fromEnv = process.env.TEMPORAL_ADDRESS;
  if (fromEnv) {
    if (await isTemporalUp(fromEnv)) {
      ctx.log(`temporal: using TEMPORAL_ADDRESS ${fromEnv}`);
      return fromEnv;
    }
    ctx.log(`temporal: TEMPORAL_ADDRESS ${fromEnv} is not reachable; falling back to a local server`);
  }
  if (await isTemporalUp(LOCAL_ADDRESS)) {
    ctx.log(`temporal: reusing server on ${LOCAL_ADDRESS}`);
    return LOCAL_ADDRESS;
  }
  return null;
}

/** A dev server from a crashed run may still be booting; give it a chance before replacing it. */
async function adoptOrReapOrphan(ctx: StackContext, namespace: string): Promise<boolean> {
  const orphan = liveOrphan(path.join(ctx.runDir, 'temporal.pid'), 'temporal');
  if (orphan === null) return false;
  ctx.log(`temporal: waiting for dev server (pid ${orphan}) from an earlier run`);
  try {
    await waitUntil('temporal', 20_000, () => isTemporalUp(LOCAL_ADDRESS, namespace));
    return true;
  } catch {
    await reapOrphan(ctx, 'temporal', orphan, HOST, PORT);
    return false;
  }
}

export async function ensureTemporal(ctx: StackContext, namespace: string, ui: boolean): Promise<TemporalService> {
  let address = await reachableServer(ctx);
  let stop: Stopper | undefined;
  if (!address && (await adoptOrReapOrphan(ctx, namespace))) address = LOCAL_ADDRESS;
  if (!address) {
    if (await isPortOpen(HOST, PORT)) {
      throw new Error(`${LOCAL_ADDRESS} is in use by something that is not a Temporal server; set TEMPORAL_ADDRESS or free the port`);
    }
    stop = await startTemporal(ctx, namespace, ui);
    address = LOCAL_ADDRESS;
  }
  try {
    await ensureSearchAttributes(ctx, address, namespace);
  } catch (err) {
    await stop?.().catch(() => undefined);
    throw new Error(`temporal: cannot ensure search attributes in namespace ${namespace}: ${errorMessage(err)}`, { cause: err });
  }
  const uiUrl = (stop && ui) || (await answersHttp(`http://${HOST}:${UI_PORT}/`)) ? UI_URL : null;
  return { address, uiUrl, stop };
}
