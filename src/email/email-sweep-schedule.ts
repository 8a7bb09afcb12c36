import type { Client } from '@temporalio/client';
import { ensureIntervalSchedule } from '../shared/interval-schedule';
import type { EmailSweepInput, emailSweepWorkflow } from '../workflows/email-sweep-workflow';
import { EMAIL_SWEEP_SCHEDULE_ID } from '../workflows/ids';

/**
 * The Schedule that sweeps the outbox every `everyMinutes` (see ensureIntervalSchedule); each run starts
 * at most `maxEmailsPerRun` deliveries, oldest first (the workflow's own cap when not given).
 */
export function ensureEmailSweepSchedule(
  client: Client,
  options: { taskQueue: string; everyMinutes: number; scheduleId?: string; maxEmailsPerRun?: number },
): Promise<'created' | 'updated' | 'unchanged'> {
  return ensureIntervalSchedule(client, {
    scheduleId: options.scheduleId ?? EMAIL_SWEEP_SCHEDULE_ID,
    workflowType: 'emailSweepWorkflow' satisfies (typeof emailSweepWorkflow)['name'],
    taskQueue: options.taskQueue,
    everyMinutes: options.everyMinutes,
    args: options.maxEmailsPerRun === undefined ? [] : [{ maxEmails: options.maxEmailsPerRun } satisfies EmailSweepInput],
    runTimeout: '10m',
  });
}
