import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import type { reconciliationWorkflow } from '../workflows/reconciliation-workflow';
import { RECONCILIATION_SCHEDULE_ID } from '../workflows/ids';

/**
 * The Temporal Schedule that runs reconciliation every `everyMinutes`: created at start-up if missing,
 * its interval brought up to date if it changed, left alone otherwise (so several processes starting
 * together agree). Visible in the Temporal UI under Schedules; `temporal schedule trigger` runs one now.
 */
export async function ensureReconciliationSchedule(
  client: Client,
  options: { taskQueue: string; everyMinutes: number; scheduleId?: string },
): Promise<'created' | 'updated' | 'unchanged'> {
  const scheduleId = options.scheduleId ?? RECONCILIATION_SCHEDULE_ID;
  const spec = { intervals: [{ every: options.everyMinutes * 60_000 }] };
  try {
    await client.schedule.create({
      scheduleId,
      spec,
      action: {
        type: 'startWorkflow',
        workflowType: 'reconciliationWorkflow' satisfies (typeof reconciliationWorkflow)['name'],
        workflowId: scheduleId,
        taskQueue: options.taskQueue,
        args: [{ trigger: 'SCHEDULE' }],
        // A run that never starts (its task queue lost its workers) must not block the next ones forever.
        workflowRunTimeout: '30m',
      },
      // A run still going when the next is due: the next is skipped, never stacked.
      policies: { overlap: ScheduleOverlapPolicy.SKIP },
    });
    return 'created';
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
  }
  const handle = client.schedule.getHandle(scheduleId);
  const current = await handle.describe();
  const every = current.spec.intervals?.[0]?.every;
  const wanted = options.everyMinutes * 60_000;
  if (every === wanted && current.action.taskQueue === options.taskQueue) return 'unchanged';
  await handle.update((previous) => ({ ...previous, spec, action: { ...previous.action, taskQueue: options.taskQueue } }));
  return 'updated';
}
