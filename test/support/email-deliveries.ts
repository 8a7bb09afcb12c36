import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { EmailKind } from '../../src/email/email-kinds';
import { emailWorkflowId } from '../../src/workflows/ids';

/**
 * What the email workflow of an outbox row ended with: once it has, its delivery is over and nothing
 * more will be sent. It is started just after the action's commit, without the action waiting for it,
 * so it is looked for until it exists.
 */
export async function delivered(temporal: Client, kind: EmailKind, businessId: string, lookForMs = 60_000): Promise<string> {
  const handle = temporal.workflow.getHandle(emailWorkflowId({ kind, businessId }));
  const until = Date.now() + lookForMs;
  for (;;) {
    try {
      return (await handle.result()) as string;
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError) || Date.now() > until) throw err;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}
