/**
 * `npm run builds`: the builds of the workflow code this deployment has run (Worker Versioning), which
 * one new runs start on, and how many runs each earlier one still has pinned to it. `-- --retire` asks
 * the `retire-builds` Schedule for a run now (drained builds leave; see docs/upgrades.md).
 */
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { loadSettings } from '../src/config';
import { createPool } from '../src/db/pool';
import { listBuilds } from '../src/deployments/build-registry';
import { currentBuildId, drainageStatus, openPinnedRuns } from '../src/deployments/worker-deployment';
import { RETIRE_BUILDS_SCHEDULE_ID } from '../src/workflows/ids';
import { localStackDatabaseUrl } from './lib/stack-postgres';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { retire: { type: 'boolean', default: false } } });
  // Run beside `npm start`, which hands its processes the local stack's database: the same one here,
  // unless DATABASE_URL names another deployment's.
  const config = loadSettings({ ...process.env, DATABASE_URL: process.env.DATABASE_URL || localStackDatabaseUrl('tickets') });
  const pool = createPool(config);
  const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
  try {
    const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
    const ref = { client, namespace: config.TEMPORAL_NAMESPACE, deploymentName: config.WORKER_DEPLOYMENT_NAME };
    if (values.retire) {
      await client.schedule.getHandle(RETIRE_BUILDS_SCHEDULE_ID).trigger();
      console.log(`asked the ${RETIRE_BUILDS_SCHEDULE_ID} Schedule for a run; its result is in the Web UI (workflow ${RETIRE_BUILDS_SCHEDULE_ID}-…)`);
    }
    const current = await currentBuildId(ref);
    const builds = await listBuilds(pool, config.WORKER_DEPLOYMENT_NAME);
    console.log(`deployment "${config.WORKER_DEPLOYMENT_NAME}" on ${config.TEMPORAL_ADDRESS}: new runs start on ${current ?? '(no current build: unversioned workers)'}`);
    const rows = await Promise.all(
      builds.map(async (b) => ({
        build: b.buildId + (b.buildId === current ? ' (current)' : ''),
        commit: b.sourceCommit ? b.sourceCommit.slice(0, 12) + (b.sourceCommit.endsWith('-dirty') ? ' (dirty)' : '') : '-',
        registered: b.registeredAt.toISOString(),
        state: b.retiredAt ? `retired ${b.retiredAt.toISOString()}` : b.buildId === current ? 'serving new runs' : 'draining',
        'pinned open runs': b.retiredAt ? '-' : String(await openPinnedRuns(ref, b.buildId)),
        'server drainage': b.retiredAt ? '-' : ((await drainageStatus(ref, b.buildId)) ?? '-'),
      })),
    );
    console.table(rows);
  } finally {
    await connection.close();
    await pool.end();
  }
}

main().catch((err: unknown) => {
  console.error(`builds: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
