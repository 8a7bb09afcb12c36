import type { Client } from '@temporalio/client';
import type { Pool } from 'pg';
import { registerBuild } from '../../src/deployments/build-registry';
import { countUnversionedRuns } from '../../src/deployments/worker-deployment';
import { bundleFromGit } from './build-from-git';

/**
 * The last release before Worker Versioning (docs/upgrades.md). Its runs were started without a build;
 * they finish on its code, made from git. Remove this (and the adoption below) in the release after the
 * one that introduced versioning: by then no such run can still be open.
 */
export const LAST_UNVERSIONED_RELEASE = 'ed6574610d737f2f987f6b12e2050864b7be2e01';

/**
 * Runs still open from before Worker Versioning would otherwise be handed to the new build, whose code
 * they did not start on. If there are any, the old release's code is bundled from git and registered as
 * a build that adopts them: the worker serves it and pins them to it before making its own build current.
 * Returns the adopting build's id, or null when there was nothing to adopt.
 */
export async function adoptUnversionedRuns(deps: {
  client: Client;
  pool: Pool;
  namespace: string;
  taskQueue: string;
  deploymentName: string;
  log: (line: string) => void;
}): Promise<string | null> {
  const open = await countUnversionedRuns({ client: deps.client, namespace: deps.namespace, deploymentName: deps.deploymentName }, deps.taskQueue);
  if (open === 0) return null;
  const build = await bundleFromGit(LAST_UNVERSIONED_RELEASE);
  const buildId = `pre-versioning-${build.sourceCommit.slice(0, 8)}`;
  await registerBuild(deps.pool, deps.deploymentName, { buildId, code: build.code, sourceCommit: build.sourceCommit, adoptsUnversioned: true });
  deps.log(`${open} run(s) started before Worker Versioning are open: they finish on build ${buildId} (the code of ${build.sourceCommit.slice(0, 7)})`);
  return buildId;
}
