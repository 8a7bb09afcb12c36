import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { loadSettings } from '../../src/config';
import { migrate } from '../../src/db/migrate';
import { createPool } from '../../src/db/pool';
import { WORKFLOW_INTERCEPTOR_MODULES } from '../../src/workers/create-worker';
import { testDatabaseUrl } from './database-url';

/**
 * Once per `jest` run: the schema is migrated and the workflow code bundled (bundling takes seconds;
 * every test file reuses the file written here through WORKFLOW_BUNDLE_PATH).
 */
export default async function globalSetup(): Promise<void> {
  testDatabaseUrl(); // fails at once, saying how to run the tests, when unset
  process.env.REDIS_URL ??= 'redis://127.0.0.1:6379/1';
  const pool = createPool(loadSettings());
  try {
    await migrate(pool);
  } finally {
    await pool.end();
  }
  const dir = join(__dirname, '..', '..', '.data', 'test');
  mkdirSync(dir, { recursive: true });
  const bundle = await bundleWorkflowCode({
    workflowsPath: require.resolve('../../src/workflows'),
    workflowInterceptorModules: WORKFLOW_INTERCEPTOR_MODULES,
    logger: { trace() {}, debug() {}, info() {}, warn() {}, error: console.error, log() {} } as never,
  });
  const path = join(dir, 'workflow-bundle.js');
  writeFileSync(path, bundle.code);
  process.env.WORKFLOW_BUNDLE_PATH = path;
}
