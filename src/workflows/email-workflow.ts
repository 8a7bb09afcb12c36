import { proxyActivities, setWorkflowOptions, workflowInfo } from '@temporalio/workflow';
import type { EmailActivities } from '../activities/email-activities';
import { EMAIL_ATTEMPT_TIMEOUT, EMAIL_RETRY } from '../domain/email-delivery';
import type { OutboxKey } from '../email/email-kinds';
import type { SendOutcome } from '../email/send-outbox-email';

/** Retried until it is sent: no attempt limit (docs/email.md). */
const { sendOutboxEmail } = proxyActivities<EmailActivities>({
  startToCloseTimeout: EMAIL_ATTEMPT_TIMEOUT,
  retry: { ...EMAIL_RETRY },
});

/**
 * Delivers one email of the outbox (workflow id `email-<kind>-<business id>`): started after the
 * action that owed it committed, or by the sweep. Its one activity sends through SMTP and marks the
 * row SENT; a row already sent is not sent again.
 */
export async function emailWorkflow(key: OutboxKey): Promise<SendOutcome> {
  return sendOutboxEmail({ kind: key.kind, businessId: key.businessId });
}

/**
 * It lives as long as an SMTP outage: it moves to each new build on its next task rather than keep an old
 * build from retiring (docs/upgrades.md). Said only to a versioned worker.
 */
setWorkflowOptions(() => (workflowInfo().currentDeploymentVersion?.deploymentName ? { versioningBehavior: 'AUTO_UPGRADE' } : {}), emailWorkflow);
