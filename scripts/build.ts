/**
 * `npm run build`: the production build the Docker image runs — the TypeScript compiled to dist/, the
 * SQL migrations and the fan's web page beside it, and the workflow code bundled once into
 * dist/workflow-bundle.js with its build id (Worker Versioning, docs/upgrades.md), so a worker starts
 * without bundling and every worker of one image serves the same build.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { bundleWorkflows } from '../src/workers/workflow-bundle';
import { REPO_ROOT } from './lib/processes';

async function main(): Promise<void> {
  const dist = join(REPO_ROOT, 'dist');
  rmSync(dist, { recursive: true, force: true });
  const tsc = join(dirname(require.resolve('typescript/package.json')), 'bin', 'tsc');
  const compiled = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: REPO_ROOT, stdio: 'inherit' });
  if (compiled.status !== 0) throw new Error('tsc failed');
  cpSync(join(REPO_ROOT, 'src', 'db', 'migrations'), join(dist, 'src', 'db', 'migrations'), { recursive: true });
  cpSync(join(REPO_ROOT, 'web', 'dist'), join(dist, 'web', 'dist'), { recursive: true });
  const build = await bundleWorkflows();
  mkdirSync(dist, { recursive: true });
  writeFileSync(join(dist, 'workflow-bundle.js'), build.code);
  writeFileSync(join(dist, 'workflow-build.json'), `${JSON.stringify({ buildId: build.buildId, builtAt: new Date().toISOString() }, null, 2)}\n`);
  console.log(`built dist/: compiled JavaScript, migrations, web page, workflow build ${build.buildId}`);
}

main().catch((err: unknown) => {
  console.error(`build failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
