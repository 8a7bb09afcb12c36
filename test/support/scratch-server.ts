import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { tailFile, waitUntil } from '../../scripts/lib/stack-util';

export interface ScratchProcess {
  /** Starts the server and resolves once `ready` says so; does nothing if it runs. */
  start(): Promise<void>;
  /** Sends `signal` (SIGTERM: a clean stop; SIGKILL: a crash) and resolves once the process has exited. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  running(): boolean;
}

/**
 * A server process of the test's own, stopped and started at will: a real outage, not a mock. It stays
 * in jest's process group, so a Ctrl-C of the run stops it too; its output goes to `logFile`.
 */
export function scratchProcess(
  name: string,
  command: string,
  args: string[],
  logFile: string,
  ready: () => Promise<boolean>,
  env: NodeJS.ProcessEnv = process.env,
): ScratchProcess {
  let child: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();
  return {
    async start() {
      if (child) return;
      const fd = openSync(logFile, 'a');
      const started = spawn(command, args, { stdio: ['ignore', fd, fd], env });
      closeSync(fd);
      child = started;
      let failure: string | null = null;
      exited = new Promise((resolve) =>
        started.once('exit', (code, signal) => {
          failure = `exited (${signal ?? `code ${String(code)}`})`;
          resolve();
        }),
      );
      started.once('error', (err) => (failure = err.message));
      try {
        await waitUntil(name, 60_000, ready, () => failure);
      } catch (err) {
        throw new Error(`${err instanceof Error ? err.message : String(err)}\n--- ${logFile} ---\n${tailFile(logFile, 30)}`, { cause: err });
      }
    },
    async stop(signal = 'SIGTERM') {
      const stopping = child;
      child = null;
      if (!stopping || stopping.exitCode !== null || stopping.signalCode !== null) return;
      stopping.kill(signal);
      await exited;
    },
    running: () => child !== null,
  };
}
