import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { Pool } from 'pg';
import type { OutboxKey } from '../email/email-kinds';
import type { MailSettings } from '../email/mail-settings';
import { pendingEmails, type PendingCursor } from '../email/outbox';
import { sendOutboxEmail, type SendOutcome } from '../email/send-outbox-email';
import { createSmtpSender } from '../email/smtp-sender';
import { startEmailWorkflows } from '../email/start-email-workflows';

export interface EmailActivityDeps {
  pool: Pool;
  temporal: Client;
  /** Where emails go; without it an attempt fails (and is retried) until a worker that has it takes over. */
  mail?: MailSettings | null;
}

const SWEEP_PAGE = 200;

/** The email workflows' steps: send one outbox row; start the delivery of rows nobody started. */
export function createEmailActivities({ pool, temporal, mail }: EmailActivityDeps) {
  const sender = mail ? createSmtpSender(mail) : null;
  return {
    async sendOutboxEmail(key: OutboxKey): Promise<SendOutcome> {
      if (!sender || !mail) throw ApplicationFailure.retryable('this worker has no SMTP settings (SMTP_URL or SMTP_HOST)', 'MAIL_NOT_CONFIGURED');
      return sendOutboxEmail(pool, sender, mail, key);
    },

    /** Every email still PENDING after `olderThanSeconds`, oldest first, up to `maxEmails`: its delivery started (or joined). */
    async startPendingEmailWorkflows(input: { olderThanSeconds: number; maxEmails: number }): Promise<{ started: number }> {
      const { taskQueue } = Context.current().info;
      let cursor: PendingCursor | null = null;
      let started = 0;
      while (started < input.maxEmails) {
        const page = await pendingEmails(pool, { olderThanSeconds: input.olderThanSeconds, limit: Math.min(SWEEP_PAGE, input.maxEmails - started), cursor });
        if (page.length === 0) break;
        await startEmailWorkflows(temporal, taskQueue, page);
        started += page.length;
        const last = page[page.length - 1]!;
        cursor = { createdAt: last.createdAt, id: last.id };
        Context.current().heartbeat(started);
      }
      return { started };
    },
  };
}

export type EmailActivities = ReturnType<typeof createEmailActivities>;
