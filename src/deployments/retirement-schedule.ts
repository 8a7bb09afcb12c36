import type { Client } from '@temporalio/client';
import { ensureIntervalSchedule } from '../shared/interval-schedule';
import { RETIRE_BUILDS_SCHEDULE_ID } from '../workflows/ids';
import type { retireBuildsWorkflow } from '../workflows/retire-builds-workflow';

/** The Schedule that looks for drained builds every `everyMinutes` (see ensureIntervalSchedule). */
export function ensureRetirementSchedule(client: Client, options: { taskQueue: string; everyMinutes: number }): Promise<'created' | 'updated' | 'unchanged'> {
  return ensureIntervalSchedule(client, {
    scheduleId: RETIRE_BUILDS_SCHEDULE_ID,
    workflowType: 'retireBuildsWorkflow' satisfies (typeof retireBuildsWorkflow)['name'],
    taskQueue: options.taskQueue,
    everyMinutes: options.everyMinutes,
    args: [],
    runTimeout: '10m',
  });
}
