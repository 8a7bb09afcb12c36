import NodeEnvironment from 'jest-environment-node';

/**
 * jest's node environment, and at the end of each test file: no Temporal worker left running
 * (test/support/running-workers.ts says why). One still running is shut down and the file fails,
 * naming its task queue: a test that lost track of its worker, or one that timed out before it ended it.
 */
export default class NodeEnvironmentWithoutStrayWorkers extends NodeEnvironment {
  override async teardown(): Promise<void> {
    const stop = this.global.__stopRunningTemporalWorkers as (() => Promise<string[]>) | undefined;
    const left = stop ? await stop() : [];
    await super.teardown();
    if (left.length > 0) {
      throw new Error(`${left.length} Temporal worker(s) still running when the test file ended, now shut down: ${left.join(', ')}`);
    }
  }
}
