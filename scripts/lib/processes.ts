import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';

export const REPO_ROOT = join(__dirname, '..', '..');

/** The node arguments that run one of our TypeScript entry points. */
export function tsNodeArgs(entry: string): string[] {
  return [require.resolve('ts-node/dist/bin.js'), '--transpile-only', entry];
}

export type OutputLine = (line: string, stream: 'stdout' | 'stderr') => void;

/** Our output, each line prefixed with the child's name. */
export function prefixedOutput(name: string): OutputLine {
  return (line, stream) => (stream === 'stdout' ? process.stdout : process.stderr).write(`[${name}] ${line}\n`);
}

/**
 * Runs node with `args` as a child process to be supervised, its output handed to `output` line by
 * line. It gets a process group of its own, so a Ctrl-C in the terminal reaches only the supervisor,
 * which stops its children in order; and an IPC channel, which closes if the supervisor dies, so the
 * child can stop rather than outlive it (stopWhenParentGoes, src/shared/stop-when-parent-goes.ts).
 */
export function startNodeProcess(name: string, args: string[], env: NodeJS.ProcessEnv, output: OutputLine = prefixedOutput(name)): ChildProcess {
  const child = spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    detached: true,
  });
  for (const stream of ['stdout', 'stderr'] as const) {
    let partial = '';
    child[stream]?.on('data', (chunk: Buffer) => {
      const lines = (partial + chunk.toString()).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) if (line.length > 0) output(line, stream);
    });
    child[stream]?.on('end', () => {
      if (partial.length > 0) output(partial, stream);
    });
  }
  return child;
}

/** SIGTERM, then SIGKILL if it has not exited in time. Resolves when it is gone. */
export async function stopProcess(child: ChildProcess, graceMs = 15_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

export async function waitForHttp(url: string, timeoutMs: number, alive: () => boolean = () => true): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      /* not listening yet */
    }
    if (!alive()) throw new Error(`${url}: the process serving it exited`);
    if (Date.now() > until) throw new Error(`${url} did not answer within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** A TCP port free on 127.0.0.1 right now (for a server of a test's or the bench's own). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
