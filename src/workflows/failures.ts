import { ActivityFailure, ApplicationFailure, TimeoutFailure } from '@temporalio/workflow';
import { isErrorCode, type ErrorCode } from '../domain/errors';

/** A refusal the client should see with its contract code (an ApplicationFailure whose type is the code). */
export function businessFailure(code: ErrorCode, message: string, details: Record<string, unknown> = {}): ApplicationFailure {
  return ApplicationFailure.create({ type: code, message, nonRetryable: true, details: [details] });
}

/**
 * An activity that failed after its retries, as the workflow sees it: a regular activity's failure arrives
 * as an ActivityFailure, a local activity's as its own failure, unwrapped (an ApplicationFailure, or a
 * TimeoutFailure when an attempt ran out of time). Checking for ActivityFailure alone let a local step's
 * failure (Redis down for a few seconds) escape its catch and fail the whole run.
 */
export function isActivityFailure(err: unknown): err is ActivityFailure | ApplicationFailure | TimeoutFailure {
  return err instanceof ActivityFailure || err instanceof ApplicationFailure || err instanceof TimeoutFailure;
}

/** The business failure behind an activity failure, or null for infrastructure failures. */
export function businessCause(err: unknown): ApplicationFailure | null {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure && cause.nonRetryable && cause.type) return cause;
  return null;
}

export function hasCode(err: unknown, code: ErrorCode): boolean {
  return businessCause(err)?.type === code;
}

/** Infrastructure that stayed down through every retry: the client gets 503 and nothing changed. */
export function unavailable(err: unknown): ApplicationFailure {
  const message = err instanceof Error ? err.message : String(err);
  return businessFailure('UNAVAILABLE', `a dependency is unavailable: ${message}`);
}

/**
 * A refusal with one of the contract's codes (declined, hold lost, …): the step answered. Anything else,
 * even a non-retryable failure, leaves its outcome unknown, and money or inventory it may have moved
 * has to be settled, never assumed untouched.
 */
export function refusalCause(err: unknown): ApplicationFailure | null {
  const cause = businessCause(err);
  return cause && isErrorCode(cause.type) ? cause : null;
}
