import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';

/** The project's root: module ids in a bundle are relative to it, so a build's id does not depend on where it was made. */
const PROJECT_ROOT = join(__dirname, '..', '..');

/** Bundled with the workflows: whoever bundles them (worker, tests, replay, scripts) passes these too. */
export const WORKFLOW_INTERCEPTOR_MODULES = [require.resolve('../workflows/interceptors')];

/** One build of the workflow code: the bundle a worker runs and the id Temporal pins runs to. */
export interface WorkflowBuild {
  buildId: string;
  code: string;
}

const quiet = { trace() {}, debug() {}, info() {}, warn() {}, error: console.error, log() {} } as never;

/**
 * A build is named by its content: the same workflow code bundles to the same id, so restarting or
 * changing anything outside the workflows keeps the build (and its runs) as they are, and any change
 * to what the workflows run makes a new one.
 */
export function buildIdOf(code: string): string {
  return createHash('sha256').update(code).digest('hex').slice(0, 12);
}

export async function bundleWorkflows(options: { workflowsPath?: string; root?: string } = {}): Promise<WorkflowBuild> {
  const workflowsPath = options.workflowsPath ?? require.resolve('../workflows');
  const root = options.root ?? PROJECT_ROOT;
  const interceptors = options.root
    ? [join(options.root, 'src', 'workflows', 'interceptors')]
    : WORKFLOW_INTERCEPTOR_MODULES;
  const { code } = await bundleWorkflowCode({
    workflowsPath,
    workflowInterceptorModules: interceptors,
    logger: quiet,
    webpackConfigHook: (config) => ({ ...config, context: root }),
  });
  return { code, buildId: buildIdOf(code) };
}

/** A bundle made beforehand (`npm run build`, or the start script for its workers). */
export function loadWorkflowBuild(path: string): WorkflowBuild {
  const code = readFileSync(path, 'utf8');
  return { code, buildId: buildIdOf(code) };
}
