import type { Client } from '@temporalio/client';
import { collectEnqueued } from './delivery-scope';
import { startEmailWorkflows } from './start-email-workflows';

/**
 * Runs an action that may owe emails and, once it has returned (its transaction committed), starts
 * their delivery without waiting for it: the action's answer is never delayed by Temporal, and a start
 * that fails only leaves the emails PENDING for the sweep. An action that throws owes nothing.
 */
export interface EmailStarter {
  after<T>(action: () => Promise<T>): Promise<T>;
}

/** For a process without SMTP settings: emails wait in the outbox. */
export const EMAILS_WAIT_IN_OUTBOX: EmailStarter = { after: (action) => action() };

export function createEmailStarter(opts: {
  temporal: Client;
  /** The task queue the email workflows run on; read when an action runs (an activity's own queue). */
  taskQueue: () => string;
  /** Told when a start failed (the email stays PENDING): a log line, never the action's failure. */
  onStartFailed: (err: unknown) => void;
}): EmailStarter {
  return {
    async after(action) {
      const taskQueue = opts.taskQueue();
      const { result, enqueued } = await collectEnqueued(action);
      if (enqueued.length > 0) {
        void startEmailWorkflows(opts.temporal, taskQueue, enqueued).catch(opts.onStartFailed);
      }
      return result;
    },
  };
}
