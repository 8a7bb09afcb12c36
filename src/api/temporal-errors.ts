import { ServiceError, WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';
import { ApplicationFailure, WorkflowNotFoundError } from '@temporalio/common';
import { AppError, isErrorCode } from '../domain/errors';

/**
 * A workflow's refusal crosses Temporal as an ApplicationFailure whose type is the contract's code;
 * this turns it back into the AppError the error handler answers with. Returns null for errors that
 * are not refusals (the caller decides: not found, or a dependency down).
 */
export function refusalFrom(err: unknown): AppError | null {
  const failure = err instanceof WorkflowUpdateFailedError ? err.cause : err;
  if (failure instanceof ApplicationFailure && isErrorCode(failure.type)) {
    const details = (failure.details?.[0] ?? {}) as Record<string, unknown>;
    return new AppError(failure.type, failure.message, details);
  }
  return null;
}

/** The workflow is gone: it finished (expired, cancelled, confirmed) or never existed. */
export function isWorkflowGone(err: unknown): boolean {
  return err instanceof WorkflowNotFoundError;
}

export function isTemporalTimeout(err: unknown): boolean {
  return err instanceof WorkflowUpdateRPCTimeoutOrCancelledError;
}

const GRPC_FAILED_PRECONDITION = 9;

/**
 * The workflow task that received the update failed as it completed (another event arrived while it
 * ended the run), and the server dropped the update. Its outcome is unknown to the caller: what it
 * wrote through local activities may have happened. Every action is idempotent, so a retry is safe.
 */
export function isUpdateDroppedWithItsTask(err: unknown): boolean {
  if (!(err instanceof ServiceError)) return false;
  const cause = err.cause as { code?: unknown; details?: unknown } | undefined;
  return cause?.code === GRPC_FAILED_PRECONDITION && /unexpected workflow task failure/i.test(String(cause.details ?? ''));
}
