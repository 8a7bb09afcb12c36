import { condition, defineUpdate, proxyLocalActivities, setHandler, sleep } from '@temporalio/workflow';

/** The floor's hold: answers once its no-op "hold" has run. */
export const floorHoldUpdate = defineUpdate<{ held: true }, []>('floorHold');

const { floorStep } = proxyLocalActivities<{ floorStep(): Promise<void> }>({ startToCloseTimeout: '5s' });

/**
 * The least a durable hold can cost on this Temporal server and worker: started with an update that
 * waits for a no-op local activity, then a durable timer, then a no-op local activity. It touches no
 * database and no HTTP. The benchmark runs it in a worker of its own (floor-worker.ts), with the same
 * options as the reservations' worker, so a reservation's cost is read as a ratio to this floor.
 */
export async function floorWorkflow(input: { holdMs: number }): Promise<{ dueAt: number }> {
  let held = false;
  setHandler(floorHoldUpdate, async () => {
    await condition(() => held);
    return { held: true as const };
  });
  await floorStep();
  held = true;
  const dueAt = Date.now() + input.holdMs;
  await sleep(input.holdMs);
  await floorStep();
  return { dueAt };
}
