import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { AppError } from '../domain/errors';

/**
 * A business refusal (AppError) leaves an activity as a non-retryable ApplicationFailure whose type is
 * the contract's code; anything else is thrown as it is and retried with backoff.
 */
export async function asBusinessFailure<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof AppError) {
      throw ApplicationFailure.create({ type: err.code, message: err.message, nonRetryable: true, details: [err.details] });
    }
    throw err;
  }
}

/** When Temporal stops waiting for this attempt; null outside an activity (direct calls in tests). */
export function attemptDeadline(): Date | null {
  let info;
  try {
    info = Context.current().info;
  } catch {
    return null;
  }
  // An attempt's own timeout runs from its start (now): a local activity's retries report the first
  // attempt's schedule time, which would put every later attempt past its deadline before it began.
  const deadlines = [
    info.startToCloseTimeoutMs ? Date.now() + info.startToCloseTimeoutMs : Infinity,
    info.scheduleToCloseTimeoutMs ? info.scheduledTimestampMs + info.scheduleToCloseTimeoutMs : Infinity,
  ];
  const deadline = Math.min(...deadlines);
  return Number.isFinite(deadline) ? new Date(deadline) : null;
}
