import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { CreateEventBody, EventView } from '../openapi/event-schemas';
import { createEvent } from '../../events/create-event';
import { EventIdKey } from '../../workflows/definitions';
import { pricingWorkflowId } from '../../workflows/ids';
import type { pricingWorkflow } from '../../workflows/pricing-workflow';
import type { ApiDeps } from '../deps';

/**
 * Creates the event with its inventory and, for a DEMAND-priced event, starts its pricing workflow
 * before the creating transaction commits: if Temporal cannot take it, no event is left behind
 * (503, nothing changed). The workflow sleeps until the first period ends, long after the commit;
 * should the commit fail after the start, it finds no event then and ends.
 */
export async function createEventWithPricing(deps: ApiDeps, body: CreateEventBody): Promise<EventView> {
  return createEvent(deps.pool, body, {
    beforeCommit: async (event) => {
      if (event.pricing.mode !== 'DEMAND' || event.pricing.next_change_at === null) return;
      await startPricing(deps, event.id, Date.parse(event.pricing.next_change_at));
    },
  });
}

async function startPricing(deps: ApiDeps, eventId: string, firstChangeAtMs: number): Promise<void> {
  try {
    await deps.temporal.workflow.start<typeof pricingWorkflow>('pricingWorkflow', {
      workflowId: pricingWorkflowId(eventId),
      taskQueue: deps.config.TEMPORAL_TASK_QUEUE,
      args: [{ eventId, notBeforeMs: firstChangeAtMs }],
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
      typedSearchAttributes: [{ key: EventIdKey, value: eventId }],
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
}
