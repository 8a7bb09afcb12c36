import { AsyncLocalStorage } from 'node:async_hooks';
import type { OutboxKey } from './email-kinds';

/**
 * The emails an action enqueued, noted as it enqueues them, so that whoever ran the action can start
 * their delivery once its transaction has committed, without the action handing them back (its SQL
 * stays as it is: one enqueue call inside its transaction).
 */
const scope = new AsyncLocalStorage<OutboxKey[]>();

export function noteEnqueued(key: OutboxKey): void {
  scope.getStore()?.push(key);
}

/** Runs `action`, collecting the outbox keys it enqueued; an action that throws hands back none. */
export async function collectEnqueued<T>(action: () => Promise<T>): Promise<{ result: T; enqueued: OutboxKey[] }> {
  const enqueued: OutboxKey[] = [];
  const result = await scope.run(enqueued, action);
  return { result, enqueued };
}
