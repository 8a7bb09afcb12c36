import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import { AppError } from '../../domain/errors';
import { assertEventExists } from '../../events/event-lookup';
import type { AuthUser } from '../../users/auth-user';
import { cancelEventProgressQuery, type CancelEventProgress } from '../../workflows/definitions';
import type { cancelEventWorkflow } from '../../workflows/cancel-event-workflow';
import { cancelEventWorkflowId } from '../../workflows/ids';
import type { ApiDeps } from '../deps';

/**
 * Starts (or joins) the event's cancellation workflow and answers with its progress. Asking again
 * while it runs, or after it finished, starts nothing new.
 */
export async function cancelEvent(deps: ApiDeps, admin: AuthUser, eventId: string, reason: string): Promise<CancelEventProgress> {
  await assertEventExists(deps.pool, eventId);
  try {
    await deps.temporal.workflow.start<typeof cancelEventWorkflow>('cancelEventWorkflow', {
      workflowId: cancelEventWorkflowId(eventId),
      taskQueue: deps.config.TEMPORAL_TASK_QUEUE,
      args: [{ eventId, reason, requestedBy: `user:${admin.id}`, stragglerWaitSeconds: deps.config.CANCEL_EVENT_STRAGGLER_SECONDS }],
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
  return cancellationProgress(deps, eventId);
}

/** Where the event's cancellation stands; 404 when the event was never cancelled. */
export async function cancellationProgress(deps: ApiDeps, eventId: string): Promise<CancelEventProgress> {
  await assertEventExists(deps.pool, eventId);
  try {
    return await deps.temporal.workflow.getHandle(cancelEventWorkflowId(eventId)).query(cancelEventProgressQuery);
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw new AppError('NOT_FOUND', 'this event has not been cancelled');
    throw err;
  }
}
