import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../../scripts/lib/processes';
import { stopRecordedServers } from '../../scripts/lib/stack';

const run = promisify(execFile);

/**
 * An ordinary user made for one test, with a fresh clone of this repository in its home and a PATH
 * like a machine with only Node.js and Python 3 on it: node, npm, npx, python3 and sh, nothing else
 * (no PostgreSQL, no Redis, no Temporal). Making it needs root.
 */
export interface ThrowawayUser {
  name: string;
  uid: number;
  home: string;
  repo: string;
  /** The user's PATH: one folder of links to the programs it may use. */
  path: string;
  /** What `command -v name` finds for the user, or null. */
  which(name: string): Promise<string | null>;
  /** Runs `command args` as the user in the clone, with only `env` (plus HOME and PATH), in a process group of its own. */
  spawn(command: string, args: string[], env: Record<string, string>): ChildProcess;
  /** Pids of the user's processes still alive. */
  processes(): number[];
  /** Stops what it left running (the servers it recorded, the groups spawn() started), then deletes the user and its home. */
  remove(): Promise<void>;
}

/** The first of `candidates` that `user` may run (a pyenv shim under /root, say, is out of its reach). */
async function runnableBy(user: string, candidates: string[]): Promise<string | null> {
  for (const candidate of candidates) {
    try {
      await run('runuser', ['-u', user, '--', '/usr/bin/test', '-x', candidate]);
      return candidate;
    } catch {
      // Try the next.
    }
  }
  return null;
}

function uidOf(pid: string): number | null {
  try {
    const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('Uid:'));
    return line ? Number(line.split(/\s+/)[1]) : null;
  } catch {
    return null;
  }
}

export async function makeThrowawayUser(): Promise<ThrowawayUser> {
  const name = `tickets-nr-${process.pid}`;
  const base = mkdtempSync(join(tmpdir(), 'throwaway-user-'));
  chmodSync(base, 0o755); // the user must pass through to its home
  const home = join(base, 'home');
  await run('useradd', ['--create-home', '--home-dir', home, '--shell', '/bin/sh', name]);
  const uid = Number((await run('id', ['-u', name])).stdout.trim());
  const groups: ChildProcess[] = [];

  const remove = async (): Promise<void> => {
    for (const child of groups) {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // The group has exited.
      }
    }
    const dataDir = join(home, 'repo', '.data');
    if (existsSync(dataDir)) await stopRecordedServers(dataDir, () => undefined);
    await run('userdel', [name]).catch(() => undefined);
    rmSync(base, { recursive: true, force: true });
  };

  try {
    const repo = join(home, 'repo');
    await run('git', ['clone', '--quiet', '--no-hardlinks', REPO_ROOT, repo]);
    // A copy rather than an install: this is about the servers, not npm, and it keeps the test short.
    await run('cp', ['-a', join(REPO_ROOT, 'node_modules'), join(repo, 'node_modules')], { maxBuffer: 16 << 20 });
    // The clone's files are newer than the copy; npm would otherwise be asked to install again.
    const now = new Date();
    utimesSync(join(repo, 'node_modules', '.package-lock.json'), now, now);
    await run('chown', ['-R', `${name}:`, home]);

    const bin = join(base, 'bin');
    mkdirSync(bin);
    const npmCli = realpathSync(join(dirname(process.execPath), 'npm'));
    const python = await runnableBy(name, ['/usr/bin/python3', '/usr/local/bin/python3']);
    if (!python) throw new Error(`no python3 that ${name} may run`);
    const links: Record<string, string> = {
      node: process.execPath,
      npm: npmCli,
      npx: join(dirname(npmCli), 'npx-cli.js'),
      python3: python,
      sh: '/bin/sh',
    };
    for (const [link, target] of Object.entries(links)) symlinkSync(target, join(bin, link));
    if (!(await runnableBy(name, [process.execPath]))) throw new Error(`${name} may not run ${process.execPath}`);

    const userEnv = (env: Record<string, string>): string[] =>
      Object.entries({ HOME: home, PATH: bin, ...env }).map(([key, value]) => `${key}=${value}`);
    return {
      name,
      uid,
      home,
      repo,
      path: bin,
      async which(program) {
        const { stdout } = await run('runuser', ['-u', name, '--', '/usr/bin/env', '-i', ...userEnv({}), '/bin/sh', '-c', `command -v ${program} || true`], { cwd: repo });
        return stdout.trim() || null;
      },
      spawn(command, args, env) {
        const child = spawn('runuser', ['-u', name, '--', '/usr/bin/env', '-i', ...userEnv(env), command, ...args], {
          cwd: repo,
          detached: true,
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        groups.push(child);
        return child;
      },
      processes: () => readdirSync('/proc').filter((entry) => /^\d+$/.test(entry) && uidOf(entry) === uid).map(Number),
      remove,
    };
  } catch (err) {
    await remove();
    throw err;
  }
}
