/** The system under test as child processes: N workers and one API, started and always stopped by the bench. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { REPO_ROOT, freePort, stopProcess, waitForHttp } from './processes';

export interface Children {
  api: ChildProcess;
  workers: ChildProcess[];
  /** The floor workflow's worker (scripts/bench-floor), on a task queue and deployment of its own. */
  floorWorker: ChildProcess;
  floorTaskQueue: string;
  apiPort: number;
  logFiles: string[];
}

/** Lines worth showing live; the rest (the worker logs every workflow at INFO) would bury the progress line. */
const ECHOED = /\[ERROR\]|fatal|uncaught|unhandled/i;

/**
 * Like startNodeProcess (scripts/lib/processes.ts), but the child's output goes to a log file and only
 * errors reach the terminal: per-request INFO logs from thousands of workflows would drown the
 * progress line and cost the bench process CPU to forward.
 */
function startLoggedProcess(name: string, entry: string, env: NodeJS.ProcessEnv, logFile: string, profileDir: string | null): ChildProcess {
  mkdirSync(dirname(logFile), { recursive: true });
  const out = createWriteStream(logFile, { flags: 'a' });
  const child = spawn(process.execPath, [require.resolve('ts-node/dist/bin.js'), '--transpile-only', entry], {
    cwd: REPO_ROOT,
    env: profileDir ? { ...env, CPU_PROFILE_DIR: profileDir } : env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const forward = (chunk: Buffer): void => {
    out.write(chunk);
    for (const line of chunk.toString().split('\n')) {
      if (ECHOED.test(line)) process.stderr.write(`[${name}] ${line}\n`);
    }
  };
  child.stdout?.on('data', forward);
  child.stderr?.on('data', forward);
  child.once('exit', () => out.end());
  return child;
}

/** The worker logs this once its Worker is created and it starts polling: before that, holds would queue in Temporal. */
const WORKER_READY = /polling task queue/;
const READY_TIMEOUT_MS = 180_000;

const alive = (child: ChildProcess): boolean => child.exitCode === null && child.signalCode === null;

function waitForLine(child: ChildProcess, pattern: RegExp, name: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const done = (err?: Error): void => {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.off('exit', onExit);
      if (err) reject(err);
      else resolve();
    };
    const onData = (chunk: Buffer): void => {
      // Keep a tail only: the pattern is one short line.
      seen = (seen + chunk.toString()).slice(-4096);
      if (pattern.test(seen)) done();
    };
    const onExit = (code: number | null): void => done(new Error(`${name} exited (code ${String(code)}) before it was ready`));
    const timer = setTimeout(() => done(new Error(`${name} was not ready within ${timeoutMs / 1000} s`)), timeoutMs);
    child.stdout?.on('data', onData);
    child.once('exit', onExit);
  });
}

/** Starts the children; `track` sees each one as soon as it exists so an interrupted start still cleans up. */
export async function startChildren(
  env: NodeJS.ProcessEnv,
  workers: number,
  logPrefix: string,
  track: (child: ChildProcess) => void,
  /** Each child under Node's CPU profiler, its profile written here when it stops (--profile). */
  profileDir: string | null = null,
): Promise<Children> {
  const apiPort = await freePort();
  const logFiles: string[] = [];
  const workerProcs = Array.from({ length: workers }, (_, i) => {
    const name = workers === 1 ? 'worker' : `worker-${i + 1}`;
    logFiles.push(`${logPrefix}-${name}.log`);
    // Several workers on one machine: none binds the metrics port (it is the operators', not the bench's).
    const child = startLoggedProcess(name, 'src/workers/main.ts', { ...env, WORKER_METRICS_PORT: '0' }, `${logPrefix}-${name}.log`, profileDir);
    track(child);
    return child;
  });
  const workersReady = workerProcs.map((w, i) => waitForLine(w, WORKER_READY, `worker ${i + 1}`, READY_TIMEOUT_MS));
  // Without a handler a worker failing while we wait for the API would be an unhandled rejection.
  workersReady.forEach((p) => p.catch(() => undefined));
  const floorTaskQueue = `${env.TEMPORAL_TASK_QUEUE ?? 'bench'}-floor`;
  logFiles.push(`${logPrefix}-floor-worker.log`);
  const floorWorker = startLoggedProcess(
    'floor-worker',
    'scripts/bench-floor/floor-worker.ts',
    { ...env, WORKER_METRICS_PORT: '0', TEMPORAL_TASK_QUEUE: floorTaskQueue, WORKER_DEPLOYMENT_NAME: `${env.WORKER_DEPLOYMENT_NAME ?? 'bench'}-floor` },
    `${logPrefix}-floor-worker.log`,
    profileDir,
  );
  track(floorWorker);
  const floorReady = waitForLine(floorWorker, WORKER_READY, 'floor worker', READY_TIMEOUT_MS);
  floorReady.catch(() => undefined);
  logFiles.push(`${logPrefix}-api.log`);
  const api = startLoggedProcess('api', 'src/api/main.ts', { ...env, PORT: String(apiPort) }, `${logPrefix}-api.log`, profileDir);
  track(api);
  await waitForHttp(`http://127.0.0.1:${apiPort}/health`, READY_TIMEOUT_MS, () => alive(api));
  await Promise.all([...workersReady, floorReady]);
  return { api, workers: workerProcs, floorWorker, floorTaskQueue, apiPort, logFiles };
}

export async function stopChildren(children: readonly ChildProcess[]): Promise<void> {
  await Promise.all(children.map((c) => stopProcess(c)));
}

/** Rejects as soon as any child dies: a crashed worker or API must end the run, not skew it. */
export function watchForCrash(children: readonly ChildProcess[]): { crashed: Promise<never>; dispose(): void } {
  const listeners: Array<[ChildProcess, (code: number | null, signal: NodeJS.Signals | null) => void]> = [];
  const crashed = new Promise<never>((_, reject) => {
    for (const child of children) {
      const onExit = (code: number | null, signal: NodeJS.Signals | null): void =>
        reject(new Error(`child process ${child.pid ?? '?'} exited during the run (code ${String(code)}, signal ${String(signal)})`));
      child.once('exit', onExit);
      listeners.push([child, onExit]);
    }
  });
  crashed.catch(() => undefined);
  return {
    crashed,
    dispose: () => listeners.forEach(([child, fn]) => child.off('exit', fn)),
  };
}

/** Starts, then (called again) stops and writes the CPU profiles of the children that run under --profile. */
export function toggleProfiles(children: readonly ChildProcess[]): void {
  for (const child of children) if (child.exitCode === null) child.kill('SIGWINCH');
}
