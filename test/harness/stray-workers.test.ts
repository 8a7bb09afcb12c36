import { Worker } from '@temporalio/worker';
import { stopRunningWorkers } from '../support/running-workers';
import { createTimeSkippingEnv } from '../support/workflow-harness';
import { workflowBundle } from '../support/env';

/*
 * The guard that keeps a lost worker from hanging the run (docs/testing.md): a worker polling a server
 * that has gone never stops on its own, so jest would never exit.
 */
describe('a worker a test lost track of', () => {
  test('is shut down and named even after its time-skipping server was torn down, and the next call finds nothing left', async () => {
    const env = await createTimeSkippingEnv();
    const worker = await Worker.create({ connection: env.nativeConnection, taskQueue: 'lost-worker', workflowBundle: workflowBundle(), activities: {} });
    const running = worker.run();
    await new Promise((resolve) => setTimeout(resolve, 500));
    await env.teardown().catch(() => undefined); // its connection is still in use by the worker
    expect(worker.getState()).toBe('RUNNING');

    expect(await stopRunningWorkers()).toEqual(['lost-worker (STOPPED)']);
    await running;
    expect(await stopRunningWorkers()).toEqual([]);
  });

  test('only the workers on the given connection are stopped', async () => {
    const [a, b] = [await createTimeSkippingEnv(), await createTimeSkippingEnv()];
    const onA = await Worker.create({ connection: a.nativeConnection, taskQueue: 'on-a', workflowBundle: workflowBundle(), activities: {} });
    const onB = await Worker.create({ connection: b.nativeConnection, taskQueue: 'on-b', workflowBundle: workflowBundle(), activities: {} });
    const runs = [onA.run(), onB.run()];
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await stopRunningWorkers(a.nativeConnection)).toEqual(['on-a (STOPPED)']);
    expect(onB.getState()).toBe('RUNNING');
    expect(await stopRunningWorkers(b.nativeConnection)).toEqual(['on-b (STOPPED)']);
    await Promise.all(runs);
    await Promise.all([a.teardown(), b.teardown()]);
  });
});
