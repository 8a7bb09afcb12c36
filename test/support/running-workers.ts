import type { NativeConnection } from '@temporalio/worker';
import { Worker } from '@temporalio/worker';

/*
 * Every Temporal worker a test file creates, so none outlives what it was made for. A worker whose
 * server has gone (a time-skipping server torn down after its test timed out) retries its polls for
 * ever, and the test process, with it still running, never exits: jest then waits until CI gives up.
 */

interface Tracked {
  worker: Worker;
  connection: NativeConnection | undefined;
  taskQueue: string;
}

const KEY = '__runningTemporalWorkers';
type Registry = Set<Tracked>;

function registry(): Registry {
  const holder = globalThis as unknown as Record<string, Registry | undefined>;
  holder[KEY] ??= new Set();
  return holder[KEY];
}

/** From now on every worker the file creates is recorded (jest's setupFilesAfterEnv calls this). */
export function trackWorkers(): void {
  const create = Worker.create.bind(Worker);
  jest.spyOn(Worker, 'create').mockImplementation(async (options) => {
    const worker = await create(options);
    registry().add({ worker, connection: options.connection, taskQueue: options.taskQueue });
    return worker;
  });
  (globalThis as unknown as Record<string, unknown>).__stopRunningTemporalWorkers = stopRunningWorkers;
}

const stopped = (w: Worker): boolean => w.getState() === 'STOPPED' || w.getState() === 'FAILED';

/**
 * Shuts down the workers still running (those on `connection` only, if given) and resolves with their
 * task queues once each has stopped; one still stopping after `timeoutMs` is named and left behind.
 */
export async function stopRunningWorkers(connection?: NativeConnection, timeoutMs = 15_000): Promise<string[]> {
  const running = [...registry()].filter((t) => !stopped(t.worker) && (connection === undefined || t.connection === connection));
  for (const t of running) {
    // A worker created but never run has nothing to shut down; a stopping one is already on its way.
    if (t.worker.getState() === 'RUNNING') t.worker.shutdown();
  }
  const deadline = Date.now() + timeoutMs;
  while (running.some((t) => t.worker.getState() !== 'INITIALIZED' && !stopped(t.worker)) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  for (const t of running) if (stopped(t.worker) || t.worker.getState() === 'INITIALIZED') registry().delete(t);
  return running.map((t) => `${t.taskQueue} (${t.worker.getState()})`);
}
