/**
 * Keeps one child process running. A process that exits without being asked to (a crash, a kill -9,
 * even a clean exit) is started again after a delay that doubles with every crash in a row, up to a
 * ceiling, so a process that cannot start costs one attempt per ceiling instead of a busy loop. A run
 * that stayed up a while ends the series: its crash is restarted after the initial delay again.
 */
import type { ChildProcess } from 'node:child_process';
import { stopProcess } from './processes';

export interface Backoff {
  initialMs: number;
  maxMs: number;
  factor: number;
}

export interface SupervisorOptions {
  backoff: Backoff;
  /** A run that lasted this long was not part of a crash loop. */
  stableAfterMs: number;
  /** stop(): SIGTERM, then SIGKILL if the process is still there after this long. */
  stopGraceMs: number;
  log: (line: string) => void;
}

export const DEFAULT_SUPERVISOR_OPTIONS: SupervisorOptions = {
  backoff: { initialMs: 1000, maxMs: 30_000, factor: 2 },
  stableAfterMs: 60_000,
  stopGraceMs: 15_000,
  log: (line) => console.log(`[supervisor] ${line}`),
};

export interface ChildSpec {
  name: string;
  /** Starts one run of the process; called again for every restart. */
  start(): ChildProcess;
}

export interface SupervisedProcess {
  readonly name: string;
  /** The running process; null while a restart is pending and once stopped. */
  current(): ChildProcess | null;
  restarts(): number;
  /** Ends supervision, then stops the running process. Resolves once it has exited. */
  stop(): Promise<void>;
}

/** The wait before the restart that follows the `crashesInARow`-th crash in a row (1 for the first). */
export function restartDelay(crashesInARow: number, backoff: Backoff): number {
  return Math.min(backoff.maxMs, backoff.initialMs * backoff.factor ** Math.max(0, crashesInARow - 1));
}

export function formatDuration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

function howItEnded(code: number | null, signal: NodeJS.Signals | null): string {
  return signal ? `was killed by ${signal}` : `exited with code ${String(code)}`;
}

export function supervise(spec: ChildSpec, options: Partial<SupervisorOptions> = {}): SupervisedProcess {
  const { backoff, stableAfterMs, stopGraceMs, log } = { ...DEFAULT_SUPERVISOR_OPTIONS, ...options };
  let child: ChildProcess | null = null;
  let restarts = 0;
  let crashesInARow = 0;
  let pendingRestart: NodeJS.Timeout | null = null;
  let stopRequested = false;
  let stopped: Promise<void> | null = null;

  const ended = (run: ChildProcess, startedAt: number, how: string): void => {
    if (child !== run) return; // 'error' and 'exit' can both report one failed spawn
    child = null;
    if (stopRequested) return;
    const upMs = Date.now() - startedAt;
    crashesInARow = upMs >= stableAfterMs ? 1 : crashesInARow + 1;
    const delay = restartDelay(crashesInARow, backoff);
    const loop = crashesInARow > 1 ? ` (${crashesInARow} crashes in a row)` : '';
    log(`${spec.name} ${how} after ${formatDuration(upMs)}; restarting it in ${formatDuration(delay)}${loop}`);
    pendingRestart = setTimeout(() => {
      pendingRestart = null;
      restarts += 1;
      start();
      log(`${spec.name} restarted (pid ${child?.pid ?? '?'}, restart ${restarts})`);
    }, delay);
  };

  const start = (): void => {
    const startedAt = Date.now();
    const run = spec.start();
    child = run;
    run.once('exit', (code, signal) => ended(run, startedAt, howItEnded(code, signal)));
    // A process that could not be spawned at all reports 'error' and never 'exit'.
    run.on('error', (err) => {
      if (run.pid === undefined) ended(run, startedAt, `could not start (${err.message})`);
    });
  };

  start();
  return {
    name: spec.name,
    current: () => child,
    restarts: () => restarts,
    stop() {
      stopRequested = true;
      stopped ??= (async () => {
        if (pendingRestart) clearTimeout(pendingRestart);
        if (child) await stopProcess(child, stopGraceMs);
        child = null;
      })();
      return stopped;
    },
  };
}
