import { condition, proxyLocalActivities, setHandler, sleep } from '@temporalio/workflow';
import type { ReservationActivities } from '../activities';
import { floorHoldUpdate } from './definitions';

const { floorStep } = proxyLocalActivities<ReservationActivities>({ startToCloseTimeout: '5s' });

/**
 * The least a durable hold can cost on this Temporal server and worker: started with an update that
 * waits for a no-op local activity, then a durable timer, then a no-op local activity. It touches no
 * database and no HTTP. The benchmark runs it next to reservations, on the same server and worker
 * options, so a reservation's cost is read as a ratio to this floor (`npm run bench -- --curve`).
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
