import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The HTTP request an API call is serving, for what it calls: its id travels to Temporal as a header,
 * and from there into the logs of the workflows and activities that act on it.
 */
const context = new AsyncLocalStorage<{ requestId: string }>();

export function runWithRequestId<T>(requestId: string, fn: () => T): T {
  return context.run({ requestId }, fn);
}

export function currentRequestId(): string | undefined {
  return context.getStore()?.requestId;
}

export { REQUEST_ID_HEADER } from './request-context-header';
