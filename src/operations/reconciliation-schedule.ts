import type { Client } from '@temporalio/client';
import { ensureIntervalSchedule } from '../shared/interval-schedule';
import { RECONCILIATION_SCHEDULE_ID } from '../workflows/ids';
import type { reconciliationWorkflow } from '../workflows/reconciliation-workflow';

/** The Schedule that runs reconciliation every `everyMinutes` (see ensureIntervalSchedule). */
export function ensureReconciliationSchedule(
  client: Client,
  options: { taskQueue: string; everyMinutes: number; scheduleId?: string },
): Promise<'created' | 'updated' | 'unchanged'> {
  return ensureIntervalSchedule(client, {
    scheduleId: options.scheduleId ?? RECONCILIATION_SCHEDULE_ID,
    workflowType: 'reconciliationWorkflow' satisfies (typeof reconciliationWorkflow)['name'],
    taskQueue: options.taskQueue,
    everyMinutes: options.everyMinutes,
    args: [{ trigger: 'SCHEDULE' }],
    runTimeout: '30m',
  });
}
