import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { EMAIL_WORKFLOW_TYPE, emailWorkflowId } from '../workflows/ids';
import type { OutboxKey } from './email-kinds';

/**
 * Starts the delivery of each email: one workflow per outbox row, its id from the row's key. A delivery
 * already running is joined (USE_EXISTING); one that has finished, which means the email was sent, is
 * not run again; one that failed or was terminated may be started anew (ALLOW_DUPLICATE_FAILED_ONLY),
 * so an email whose delivery an operator stopped goes out at the next sweep.
 */
export async function startEmailWorkflows(temporal: Client, taskQueue: string, keys: readonly OutboxKey[]): Promise<void> {
  for (const key of keys) {
    try {
      await temporal.workflow.start(EMAIL_WORKFLOW_TYPE, {
        workflowId: emailWorkflowId(key),
        taskQueue,
        args: [{ kind: key.kind, businessId: key.businessId }],
        workflowIdConflictPolicy: 'USE_EXISTING',
        workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
      });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
  }
}
