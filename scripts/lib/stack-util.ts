/**
 * Process, port and file helpers shared by the stack-* modules.
 * Internal to scripts/lib: import the public API from ./stack instead.
 */
import { execFile, spawn, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';

export type Log = (line: string) => void;
export type Stopper = () => Promise<void>;

/** Where a service lives once ensured; `stop` is set only if this call started it. */
export interface Service {
  url: string;
  stop?: Stopper;
}

export interface StackContext {
  dataDir: string;
  logsDir: string;
  runDir: string;
  log: Log;
}

export const STOP_GRACE_MS = 10_000;

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export function errorCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null || !('code' in err)) return undefined;
  const { code } = err as { code: unknown };
  return typeof code === 'string' ? code : undefined;
}

export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/**
 * Probes need a timeout: a server that accepts TCP but never answers (hung, SIGSTOPped) would wait forever.
 */
export { withTimeout } from '../../src/shared/concurrency';

/** Polls `probe` until it returns true; throws on timeout or as soon as `earlyFailure()` reports one. */
export async function waitUntil(
  what: string,
  timeoutMs: number,
  probe: () => Promise<boolean>,
  earlyFailure: () => string | null = () => null,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const failure = earlyFailure();
    if (failure) throw new Error(`${what}: ${failure}`);
    if (await probe()) return;
    if (Date.now() > deadline) throw new Error(`${what}: not ready after ${timeoutMs / 1000}s`);
    await sleep(200);
  }
}

/** A port the stack's user chose (PGPORT, REDIS_PORT, ...), else the service's usual one. */
export function portFromEnv(name: string, usual: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return usual;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`${name}=${raw} is not a TCP port`);
  return port;
}

/** True if something accepts TCP connections on host:port. */
export function isPortOpen(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (open: boolean): void => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export interface CommandResult {
  stdout: string;
  stderr: string;
}

/** Runs a command to completion; rejects with its stderr in the message. */
export function runCommand(cmd: string, args: string[], timeoutMs = 120_000, env?: NodeJS.ProcessEnv): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: timeoutMs, encoding: 'utf8', env }, (err, stdout, stderr) => {
      if (err) {
        const detail = (stderr || stdout).trim();
        reject(new Error(`${[cmd, ...args].join(' ')} failed: ${detail || err.message}`));
      } else {
        resolve({ stdout, stderr });
      }
    });
  });
}

export function tailFile(file: string, lines = 15): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

// ---------------------------------------------------------------------------
// PID files and processes

export function readPidFile(file: string): number | null {
  try {
    const pid = Number.parseInt(fs.readFileSync(file, 'utf8').split('\n')[0] ?? '', 10);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

export function writePidFile(file: string, pid: number): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${pid}\n`);
}

export function removeFile(file: string): void {
  fs.rmSync(file, { force: true });
}

/** Zombies count as dead: they hold no ports and only wait to be reaped by their parent. */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM: it exists but belongs to another user.
    if (errorCode(err) !== 'EPERM') return false;
  }
  return processState(pid) !== 'Z';
}

/** Single-letter state from /proc/<pid>/stat (Linux only; null elsewhere). */
function processState(pid: number): string | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) || null;
  } catch {
    return null;
  }
}

/** The kernel's short process name (Linux only; null elsewhere or if gone). */
export function processName(pid: number): string | null {
  try {
    return fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return null;
  }
}

/**
 * A process recorded in a pid file by an earlier run that died without
 * stopping it. Returns its pid only if it is still alive and still the same
 * program (pids get reused, especially in containers).
 */
export function liveOrphan(pidFile: string, comm: string | readonly string[]): number | null {
  const pid = readPidFile(pidFile);
  if (pid === null) return null;
  const names = (typeof comm === 'string' ? [comm] : comm).map((name) => name.slice(0, 15));
  if (isProcessAlive(pid) && names.includes(processName(pid) ?? '')) return pid;
  removeFile(pidFile);
  return null;
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isProcessAlive(pid) && Date.now() < deadline) await sleep(100);
  return !isProcessAlive(pid);
}

/** `signal` (SIGTERM by default), then SIGKILL after the grace period, for a process we did not spawn. */
export async function terminatePid(pid: number, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  const send = (sig: NodeJS.Signals): void => {
    try {
      process.kill(pid, sig);
    } catch {
      // Already gone.
    }
  };
  send(signal);
  send('SIGCONT'); // a stopped process only acts on the signal once resumed
  if (await waitForExit(pid, STOP_GRACE_MS)) return;
  send('SIGKILL');
  if (!(await waitForExit(pid, 5000))) throw new Error(`pid ${pid} survived SIGKILL`);
}

/** Replaces an unresponsive server from an earlier run: kill it and wait until its port is free. */
export async function reapOrphan(ctx: StackContext, name: string, pid: number, host: string, port: number): Promise<void> {
  ctx.log(`${name}: stopping unresponsive pid ${pid} from an earlier run`);
  await terminatePid(pid);
  await waitUntil(`${name}: port ${port} to be released`, 5000, async () => !(await isPortOpen(host, port)));
}

const LOCK_WAIT_MS = 120_000;

/** Takes the lock file if free or left by a dead process; false if a live process holds it. */
function tryLock(lockFile: string): { acquired: true } | { acquired: false; holder: number | null } {
  try {
    fs.writeFileSync(lockFile, `${process.pid}\n`, { flag: 'wx' });
    return { acquired: true };
  } catch (err) {
    if (errorCode(err) !== 'EEXIST') throw err;
  }
  const holder = readPidFile(lockFile);
  // An empty file is a holder that has created it but not yet written its pid.
  const justCreated = holder === null && Date.now() - (fs.statSync(lockFile, { throwIfNoEntry: false })?.mtimeMs ?? 0) < 2000;
  if (justCreated || (holder !== null && isProcessAlive(holder))) return { acquired: false, holder };
  removeFile(lockFile);
  return tryLock(lockFile);
}

/**
 * Serializes stack start-up across processes sharing a dataDir (say
 * `npm run stack` and `npm test` launched together): the second waits, then
 * finds the servers reachable and reuses them instead of racing initdb/ports.
 */
export async function withStartupLock<T>(ctx: StackContext, fn: () => Promise<T>): Promise<T> {
  const lockFile = path.join(ctx.runDir, 'startup.lock');
  const deadline = Date.now() + LOCK_WAIT_MS;
  let logged = false;
  for (let attempt = tryLock(lockFile); !attempt.acquired; attempt = tryLock(lockFile)) {
    if (!logged) ctx.log(`waiting for pid ${attempt.holder ?? '?'}, which is starting the stack (${lockFile})`);
    logged = true;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${lockFile}; delete it if no stack is starting`);
    await sleep(250);
  }
  try {
    return await fn();
  } finally {
    removeFile(lockFile);
  }
}

// ---------------------------------------------------------------------------
// Child processes we start and own

export interface ManagedChild {
  child: ChildProcess;
  logFile: string;
  /** Non-null once the process has exited or failed to spawn. */
  exitReason(): string | null;
  stop(): Promise<void>;
}

/**
 * Spawns a long-running server with stdout/stderr appended to
 * `${logsDir}/${name}.log` and its pid in `${runDir}/${name}.pid`.
 *
 * The child is unref()'d and has no pipes to us, so it never keeps a parent
 * alive that would otherwise exit. It runs in a process group of its own: a
 * Ctrl-C in the terminal reaches only our group, so the processes that use
 * the server (API, worker, jest) stop first and the caller stops the server
 * last, with stop(). A caller that dies without stop() leaves it running; the
 * next ensureStack() reuses it and `npm run stack -- stop` stops it.
 */
export function spawnServer(ctx: StackContext, name: string, cmd: string, args: string[], env?: NodeJS.ProcessEnv): ManagedChild {
  const logFile = path.join(ctx.logsDir, `${name}.log`);
  const pidFile = path.join(ctx.runDir, `${name}.pid`);
  const fd = fs.openSync(logFile, 'a');
  fs.writeSync(fd, `\n=== ${new Date().toISOString()} ${cmd} ${args.join(' ')}\n`);
  const child = spawn(cmd, args, { stdio: ['ignore', fd, fd], detached: true, env });
  fs.closeSync(fd);
  child.unref();

  let reason: string | null = null;
  const exited = new Promise<void>((resolve) => {
    child.once('error', (err) => {
      reason = `failed to start ${cmd}: ${err.message}`;
      resolve();
    });
    child.once('exit', (code, sig) => {
      reason ??= `exited with ${sig ?? `code ${code ?? '?'}`}`;
      resolve();
    });
  });
  if (child.pid !== undefined) writePidFile(pidFile, child.pid);

  const stop = async (): Promise<void> => {
    if (reason === null) {
      child.ref(); // keep the event loop alive until we have seen it exit
      child.kill('SIGTERM');
      const killTimer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
      await exited;
      clearTimeout(killTimer);
    }
    removeFile(pidFile);
  };
  return { child, logFile, exitReason: () => reason, stop };
}
