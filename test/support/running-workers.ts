import type { NativeConnection } from '@temporalio/worker';
import { Worker } from '@temporalio/worker';
import { waitUntil } from '../../scripts/lib/stack-util';

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

/** One per test file: jest gives each file its own module registry, shared by its setup files. */
const workers = new Set<Tracked>();

/** From now on every worker the file creates is recorded (jest's setupFilesAfterEnv calls this). */
export function trackWorkers(): void {
  const create = Worker.create.bind(Worker);
  jest.spyOn(Worker, 'create').mockImplementation(async (options) => {
    const worker = await create(options);
    workers.add({ worker, connection: options.connection, taskQueue: options.taskQueue });
    return worker;
  });
  // The test environment's teardown (test/support/node-environment.ts) reaches it through the file's global.
  (globalThis as unknown as Record<string, unknown>).__stopRunningTemporalWorkers = stopRunningWorkers;
}

/** Running or on its way to a stop; a worker created but never run has nothing to shut down. */
const live = (w: Worker): boolean => !['INITIALIZED', 'STOPPED', 'FAILED'].includes(w.getState());

/**
 * Shuts down the workers still running (those on `connection` only, if given) and resolves with their
 * task queues once each has stopped; one still stopping after `timeoutMs` is named and left behind.
 */
export async function stopRunningWorkers(connection?: NativeConnection, timeoutMs = 15_000): Promise<string[]> {
  const running = [...workers].filter((t) => live(t.worker) && (connection === undefined || t.connection === connection));
  for (const t of running) if (t.worker.getState() === 'RUNNING') t.worker.shutdown();
  await waitUntil('workers stopping', timeoutMs, async () => !running.some((t) => live(t.worker))).catch(() => undefined);
  for (const t of running) if (!live(t.worker)) workers.delete(t);
  return running.map((t) => `${t.taskQueue} (${t.worker.getState()})`);
}
