import { proxyActivities } from '@temporalio/workflow';
import type { EmailActivities } from '../activities/email-activities';
import { SWEEP_GRACE_SECONDS } from '../domain/email-delivery';

const { startPendingEmailWorkflows } = proxyActivities<EmailActivities>({
  startToCloseTimeout: '5m',
  heartbeatTimeout: '1m',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m', maximumAttempts: 5 },
});

/** At most this many emails a run; the next run (a minute later) takes the rest. */
const MAX_EMAILS_PER_RUN = 5000;

/** A smaller batch spreads a long backlog over more runs (the Schedule's arguments); never above the cap. */
export interface EmailSweepInput {
  maxEmails?: number;
}

/**
 * Starts the delivery of every email whose start after its action's commit never happened (the
 * process died, Temporal was unreachable): each PENDING row older than a grace gets its email
 * workflow, or joins the one already running. Started by the `email-sweep` Schedule.
 */
export async function emailSweepWorkflow(input: EmailSweepInput = {}): Promise<{ started: number }> {
  const maxEmails = Math.max(1, Math.min(input.maxEmails ?? MAX_EMAILS_PER_RUN, MAX_EMAILS_PER_RUN));
  return startPendingEmailWorkflows({ olderThanSeconds: SWEEP_GRACE_SECONDS, maxEmails });
}
