/**
 * Leaves nothing of a run (a benchmark, a test suite) alive in a shared Temporal server. Holds answered
 * 503, or left open by a scenario, keep a workflow sleeping on its timer; once the run's worker stops,
 * nobody polls its task queue again, so they would stay open forever. Cancelling runs their
 * compensations (release), which needs the worker: call this before stopping it.
 */
import { createTemporalClient } from '../../src/shared/clients';

const CANCEL_CONCURRENCY = 8;
const SETTLE_TIMEOUT_MS = 20_000;

export async function cancelOpenWorkflows(address: string, namespace: string, taskQueue: string): Promise<number> {
  const { client, connection } = createTemporalClient({ TEMPORAL_ADDRESS: address, TEMPORAL_NAMESPACE: namespace });
  const query = `TaskQueue = '${taskQueue}' AND ExecutionStatus = 'Running'`;
  try {
    const open: Array<{ workflowId: string; runId: string }> = [];
    for await (const wf of client.workflow.list({ query })) open.push({ workflowId: wf.workflowId, runId: wf.runId });
    for (let i = 0; i < open.length; i += CANCEL_CONCURRENCY) {
      await Promise.all(
        open.slice(i, i + CANCEL_CONCURRENCY).map((wf) => client.workflow.getHandle(wf.workflowId, wf.runId).cancel().catch(() => undefined)),
      );
    }
    // Visibility is eventually consistent; waiting a little lets the releases finish before the worker stops.
    const until = Date.now() + SETTLE_TIMEOUT_MS;
    while (open.length > 0 && Date.now() < until) {
      const { count } = await client.workflow.count(query);
      if (count === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    return open.length;
  } finally {
    await connection.close().catch(() => undefined);
  }
}
