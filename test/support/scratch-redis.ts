import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pingRedis } from '../../scripts/lib/stack-redis';
import { findOnPath } from '../../scripts/lib/stack-util';
import { freePort } from '../../scripts/lib/processes';
import { scratchProcess } from './scratch-server';

/**
 * A redis-server of the test's own on a free port, with its append-only file in a temporary directory,
 * so what was written before an outage (sessions, say) is there again after it, as in production.
 */
export async function startScratchRedis() {
  const binary = findOnPath('redis-server');
  if (!binary) throw new Error('redis-server not found on PATH (npm test installs it)');
  const dir = mkdtempSync(join(tmpdir(), 'redis-outage-'));
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--save', '', '--daemonize', 'no'];
  const server = scratchProcess('redis', binary, args, join(dir, 'redis.log'), () => pingRedis(url));
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
