import { manualReconciliationWorkflowId } from '../../workflows/ids';
import type { reconciliationWorkflow } from '../../workflows/reconciliation-workflow';
import type { ApiDeps } from '../deps';

/** Starts a reconciliation run now (one per request: its id comes from the request id). */
export async function startReconciliation(deps: ApiDeps, requestId: string, eventId: string | null): Promise<{ workflow_id: string; status: 'RUNNING' }> {
  const workflowId = manualReconciliationWorkflowId(requestId);
  await deps.temporal.workflow.start<typeof reconciliationWorkflow>('reconciliationWorkflow', {
    workflowId,
    taskQueue: deps.config.TEMPORAL_TASK_QUEUE,
    args: [{ trigger: 'MANUAL', eventId }],
    workflowIdConflictPolicy: 'USE_EXISTING',
  });
  return { workflow_id: workflowId, status: 'RUNNING' };
}
