import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { bundleWorkflows, type WorkflowBuild } from '../../src/workers/workflow-bundle';
import { REPO_ROOT } from './processes';

/**
 * The workflow bundle of an earlier commit, made from git (its src/ extracted under .data/builds/), with
 * this checkout's node_modules. Serves runs started before the project kept its builds (a release
 * before Worker Versioning) and lets the replay test replay a previous release's histories on the code
 * that recorded them.
 */
export async function bundleFromGit(commit: string, repoRoot = REPO_ROOT): Promise<WorkflowBuild & { sourceCommit: string }> {
  let full: string;
  try {
    full = execFileSync('git', ['rev-parse', '--verify', '--quiet', `${commit}^{commit}`], { cwd: repoRoot, encoding: 'utf8' }).trim();
  } catch {
    throw new Error(`commit ${commit} is not in this checkout's git history (a shallow clone, or no .git): fetch it, or serve its runs from a checkout of it`);
  }
  const dir = join(repoRoot, '.data', 'builds', full);
  if (!existsSync(join(dir, 'src', 'workflows', 'index.ts'))) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const archive = execFileSync('git', ['archive', '--format=tar', full, 'src'], { cwd: repoRoot, maxBuffer: 256 * 1024 * 1024 });
    execFileSync('tar', ['-x', '-C', dir], { input: archive });
  }
  const build = await bundleWorkflows({ workflowsPath: join(dir, 'src', 'workflows'), root: dir });
  return { ...build, sourceCommit: full };
}
