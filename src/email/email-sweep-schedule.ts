import type { Client } from '@temporalio/client';
import { ensureIntervalSchedule } from '../shared/interval-schedule';
import type { emailSweepWorkflow } from '../workflows/email-sweep-workflow';
import { EMAIL_SWEEP_SCHEDULE_ID } from '../workflows/ids';

/** The Schedule that sweeps the outbox every `everyMinutes` (see ensureIntervalSchedule). */
export function ensureEmailSweepSchedule(
  client: Client,
  options: { taskQueue: string; everyMinutes: number; scheduleId?: string },
): Promise<'created' | 'updated' | 'unchanged'> {
  return ensureIntervalSchedule(client, {
    scheduleId: options.scheduleId ?? EMAIL_SWEEP_SCHEDULE_ID,
    workflowType: 'emailSweepWorkflow' satisfies (typeof emailSweepWorkflow)['name'],
    taskQueue: options.taskQueue,
    everyMinutes: options.everyMinutes,
    args: [],
    runTimeout: '10m',
  });
}
