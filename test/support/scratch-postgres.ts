import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../scripts/lib/processes';
import { runLocalCluster } from '../../scripts/lib/stack-postgres';

/**
 * A PostgreSQL server of the test's own, which it may stop and start at will (a real outage, not a
 * mock), in a temporary directory removed at the end.
 */
export async function startScratchPostgres(database = 'outage_test') {
  const dataDir = mkdtempSync(join(tmpdir(), 'pg-outage-'));
  chmodSync(dataDir, 0o755); // the postgres OS user runs the server
  const ctx = { dataDir, logsDir: join(dataDir, 'logs'), runDir: join(dataDir, 'run'), log: () => undefined };
  for (const dir of [ctx.logsDir, ctx.runDir]) mkdirSync(dir, { recursive: true });
  const port = await freePort();
  let running = await runLocalCluster(ctx, port, database);
  let up = true;
  return {
    url: running.url,
    async stop(): Promise<void> {
      if (!up) return;
      await running.stop();
      up = false;
    },
    async start(): Promise<void> {
      if (up) return;
      running = await runLocalCluster(ctx, port, database);
      up = true;
    },
    async remove(): Promise<void> {
      await this.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
