import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import type { Duration } from '@temporalio/common';

export interface IntervalSchedule {
  scheduleId: string;
  workflowType: string;
  taskQueue: string;
  everyMinutes: number;
  args: unknown[];
  /** A run that never starts (its task queue lost its workers) must not block the next ones forever. */
  runTimeout: Duration;
}

/**
 * A Temporal Schedule that starts a workflow every `everyMinutes`: created at start-up if missing, its
 * interval, task queue and arguments brought up to date if they changed, left alone otherwise (so several processes
 * starting together agree). A run still going when the next is due: the next is skipped, never stacked.
 * Visible in the Web UI under Schedules; `temporal schedule trigger` runs one now.
 */
export async function ensureIntervalSchedule(client: Client, s: IntervalSchedule): Promise<'created' | 'updated' | 'unchanged'> {
  const spec = { intervals: [{ every: s.everyMinutes * 60_000 }] };
  try {
    await client.schedule.create({
      scheduleId: s.scheduleId,
      spec,
      action: { type: 'startWorkflow', workflowType: s.workflowType, workflowId: s.scheduleId, taskQueue: s.taskQueue, args: s.args, workflowRunTimeout: s.runTimeout },
      policies: { overlap: ScheduleOverlapPolicy.SKIP },
    });
    return 'created';
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
  }
  const handle = client.schedule.getHandle(s.scheduleId);
  const current = await handle.describe();
  const sameArgs = current.action.type === 'startWorkflow' && JSON.stringify(current.action.args ?? []) === JSON.stringify(s.args);
  if (current.spec.intervals?.[0]?.every === s.everyMinutes * 60_000 && current.action.taskQueue === s.taskQueue && sameArgs) return 'unchanged';
  await handle.update((previous) => ({ ...previous, spec, action: { ...previous.action, taskQueue: s.taskQueue, args: s.args } }));
  return 'updated';
}
