import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pingRedis, redisServerArgs, requireRedisServer } from '../../scripts/lib/stack-redis';
import { freePort } from '../../scripts/lib/processes';
import { scratchProcess } from './scratch-server';

/**
 * A Redis-compatible server of the test's own (the one the stack runs) on a free port, with its
 * append-only file in a temporary directory, so what was written before an outage (sessions, say) is
 * there again after it, as in production.
 */
export async function startScratchRedis() {
  const binary = requireRedisServer();
  const dir = mkdtempSync(join(tmpdir(), 'redis-outage-'));
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  const server = scratchProcess('redis', binary.path, redisServerArgs(port, dir), join(dir, 'redis.log'), () => pingRedis(url));
  await server.start();
  return {
    url,
    start: () => server.start(),
    stop: (signal?: NodeJS.Signals) => server.stop(signal),
    async remove(): Promise<void> {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
