import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import {
  ParentClosePolicy,
  continueAsNew,
  executeChild,
  proxyActivities,
  setHandler,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import type { OperationsActivities } from '../activities/operations-activities';
import { cancelEventProgressQuery, type CancelEventInput, type CancelEventProgress } from './definitions';
import { refundOrderWorkflowId } from './ids';
import { refundOrderWorkflow } from './refund-order-workflow';

const { markEventCancelled, liveReservationsOf, confirmedOrdersOf } = proxyActivities<OperationsActivities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '30s', nonRetryableErrorTypes: ['EVENT_NOT_FOUND'] },
});

/** Each reservation waits for its own workflow to close (a payment under way finishes first). */
const { cancelReservations } = proxyActivities<OperationsActivities>({
  startToCloseTimeout: '10m',
  heartbeatTimeout: '1m',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s' },
});

const PAGE = 100;
/** Refunds running at once: the provider and the database are shared with the rest of the sale. */
const REFUND_CONCURRENCY = 10;
/** Steps per run before continuing as new, so a large event's history never grows large. */
const STEPS_PER_RUN = 50;

/**
 * Cancels an event (workflow id `cancel-event-<event id>`): the event is marked cancelled first, so
 * every new hold is refused at once; then every live reservation is cancelled through its own
 * workflow; then every confirmed order is refunded through the refund workflow, a few at a time;
 * then, after the longest a hold already under way could take, it looks once more. Progress is a
 * query. Every step is idempotent, so a crash resumes where it stopped and asking again changes
 * nothing; a large event continues as new every few steps, its progress carried over.
 */
export async function cancelEventWorkflow(input: CancelEventInput): Promise<CancelEventProgress> {
  const progress: CancelEventProgress = input.progress
    ? { ...input.progress, runs: input.progress.runs + 1 }
    : {
        eventId: input.eventId,
        reason: input.reason,
        requestedBy: input.requestedBy,
        phase: 'MARKING',
        cancelledAt: null,
        holdsReleased: 0,
        holdsSoldMeanwhile: 0,
        ordersRefunded: 0,
        ordersAlreadyRefunding: 0,
        runs: 1,
        finishedAt: null,
      };
  setHandler(cancelEventProgressQuery, () => progress);
  const handledOrders: string[] = [];
  const page = input.pageSize ?? PAGE;
  const stepsPerRun = input.stepsPerRun ?? STEPS_PER_RUN;

  for (let steps = 0; progress.phase !== 'DONE'; steps++) {
    if (steps >= stepsPerRun || workflowInfo().continueAsNewSuggested) {
      await continueAsNew<typeof cancelEventWorkflow>({ ...input, progress });
    }
    switch (progress.phase) {
      case 'MARKING':
        progress.cancelledAt = (await markEventCancelled({ eventId: input.eventId, reason: input.reason })).cancelledAt;
        progress.phase = 'RELEASING_HOLDS';
        break;
      case 'RELEASING_HOLDS': {
        const reservationIds = await liveReservationsOf({ eventId: input.eventId, limit: page });
        if (reservationIds.length === 0) {
          progress.phase = 'REFUNDING_ORDERS';
          break;
        }
        const cancelled = await cancelReservations({ reservationIds });
        progress.holdsReleased += cancelled.released;
        progress.holdsSoldMeanwhile += cancelled.sold;
        break;
      }
      case 'REFUNDING_ORDERS': {
        const orderIds = await confirmedOrdersOf({ eventId: input.eventId, limit: page, excluding: handledOrders });
        if (orderIds.length === 0) {
          progress.phase = 'SWEEPING';
          break;
        }
        handledOrders.push(...orderIds);
        await refundAll(orderIds, input, progress);
        break;
      }
      case 'SWEEPING': {
        await sleep(input.stragglerWaitSeconds * 1000);
        const [holds, orders] = await Promise.all([
          liveReservationsOf({ eventId: input.eventId, limit: 1 }),
          confirmedOrdersOf({ eventId: input.eventId, limit: 1, excluding: handledOrders }),
        ]);
        progress.phase = holds.length > 0 ? 'RELEASING_HOLDS' : orders.length > 0 ? 'REFUNDING_ORDERS' : 'DONE';
        break;
      }
    }
  }
  progress.finishedAt = new Date().toISOString();
  return progress;
}

/** Refunds the orders as child workflows, at most REFUND_CONCURRENCY at a time. */
async function refundAll(orderIds: string[], input: CancelEventInput, progress: CancelEventProgress): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(REFUND_CONCURRENCY, orderIds.length) }, async () => {
    while (next < orderIds.length) {
      const orderId = orderIds[next++]!;
      try {
        await executeChild(refundOrderWorkflow, {
          workflowId: refundOrderWorkflowId(orderId),
          args: [{ orderId, requestedBy: input.requestedBy, reason: `event cancelled: ${input.reason}` }],
          // A refund that has begun finishes even if the cancellation itself were terminated.
          parentClosePolicy: ParentClosePolicy.ABANDON,
        });
        progress.ordersRefunded += 1;
      } catch (err) {
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
        progress.ordersAlreadyRefunding += 1;
      }
    }
  });
  await Promise.all(lanes);
}
