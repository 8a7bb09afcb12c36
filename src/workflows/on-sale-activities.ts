import { proxyLocalActivities } from '@temporalio/workflow';
import type { WaitingRoomActivities } from '../activities/waiting-room-activities';

/*
 * Short Redis and PostgreSQL steps, run as local activities: one marker in the history per step
 * instead of a task dispatched through the server, on every tick of a sale that may last hours.
 * A failed look is retried; one that keeps failing fails the tick, and the next tick tries again.
 */
export const { measureOnSale, admitFans, publishOnSale, placePreQueue } = proxyLocalActivities<WaitingRoomActivities>({
  startToCloseTimeout: '5s',
  retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '2s', maximumAttempts: 5 },
});
