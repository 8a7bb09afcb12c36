import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { OperationsActivities } from '../activities/operations-activities';
import type { ReconciliationCheck } from '../operations/reconciliation-checks';

const { runReconciliationChecks, findHoldsWithoutWorkflow, storeReconciliationReport } = proxyActivities<OperationsActivities>({
  startToCloseTimeout: '5m',
  heartbeatTimeout: '1m',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m', maximumAttempts: 5 },
});

export interface ReconciliationInput {
  trigger: 'SCHEDULE' | 'MANUAL';
  /** One event only; every event otherwise. */
  eventId?: string | null;
}

export interface ReconciliationSummary {
  reportId: string;
  findingsCount: number;
  counts: Record<ReconciliationCheck, number>;
}

/** A hold's release may be a few seconds late (a worker restart); beyond a minute it is a finding. */
const HOLD_GRACE_SECONDS = 60;
/** Money in flight (captured before its sale, a refund under way, an unknown charge) settles in minutes. */
const MONEY_GRACE_SECONDS = 600;
const FINDINGS_PER_CHECK = 200;

/**
 * Proves that the inventory and the money add up, and says exactly what does not: runs every check
 * (see src/operations/reconciliation-checks.ts), asks Temporal whether every open hold still has its
 * workflow, and stores the report. It never repairs anything. Started by the `reconciliation`
 * Schedule and on demand (POST /api/v1/admin/reconciliation).
 */
export async function reconciliationWorkflow(input: ReconciliationInput): Promise<ReconciliationSummary> {
  const startedAt = new Date().toISOString();
  const scope = input.eventId ?? null;
  const checks = await runReconciliationChecks({ holdGraceSeconds: HOLD_GRACE_SECONDS, moneyGraceSeconds: MONEY_GRACE_SECONDS, limit: FINDINGS_PER_CHECK, eventId: scope });
  const orphans = await findHoldsWithoutWorkflow({ olderThanSeconds: HOLD_GRACE_SECONDS, limit: FINDINGS_PER_CHECK, eventId: scope });
  const counts = { ...checks.counts, HOLD_WITHOUT_WORKFLOW: orphans.count };
  const findingsCount = Object.values(counts).reduce((sum, n) => sum + n, 0);
  const info = workflowInfo();
  const reportId = await storeReconciliationReport({
    workflow_id: info.workflowId,
    run_id: info.runId,
    trigger: input.trigger,
    event_id: scope,
    started_at: startedAt,
    events_checked: checks.eventsChecked,
    findings_count: findingsCount,
    counts,
    findings: [...checks.findings, ...orphans.findings],
  });
  return { reportId, findingsCount, counts };
}
