import type { ErrorRequestHandler, RequestHandler } from 'express';
import { ZodError } from 'zod';
import { AppError } from '../../domain/errors';
import { describeErrorKind, errorKind, type ErrorKind } from '../../shared/error-kind';
import { isDependencyFailure } from '../dependency-errors';
import { contractErrorFromPostgres } from '../postgres-errors';

/** Turns a ZodError into the contract's 400 with `details: [{field, message}]`. */
export function validationError(err: ZodError, prefix?: string): AppError {
  const details = err.issues.map((issue) => ({
    field: [prefix, ...issue.path].filter((p) => p !== undefined && p !== '').join('.') || '(body)',
    message: issue.message,
  }));
  return new AppError('VALIDATION_ERROR', 'the request is not valid', { details });
}

export const notFoundRoute: RequestHandler = (req, _res, next) => {
  next(new AppError('NOT_FOUND', `no route for ${req.method} ${req.path}`));
};

/**
 * What may be said about a failure outside the process (bodies, logs): the contract's code and our
 * own message, and of the error underneath only its kind and code (`TypeError`, `ECONNREFUSED`,
 * SQLSTATE `42P01`). Never its text or its stack: they can quote SQL, hosts, file paths and values.
 */
export interface ErrorSummary {
  code: string;
  message: string;
  cause?: ErrorKind;
}

export function summarizeError(appError: AppError, original: unknown): ErrorSummary {
  if (original === appError) return { code: appError.code, message: appError.message };
  return { code: appError.code, message: appError.message, cause: errorKind(original) };
}

/** The one place where errors become HTTP responses. */
export function errorHandler(log: (line: string) => void): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    const appError = toAppError(err);
    const summary = summarizeError(appError, err);
    // The access log (pino-http) writes it on the request's line.
    res.locals.errorSummary = summary;
    if (appError.status >= 500 && appError.code !== 'UNAVAILABLE') {
      const cause = summary.cause ? ` (${describeErrorKind(err)})` : '';
      log(`[${String(res.locals.requestId)}] ${req.method} ${req.originalUrl}: ${summary.code}${cause}: ${summary.message}`);
    }
    if (typeof appError.details.retry_after_seconds === 'number') {
      res.setHeader('Retry-After', String(appError.details.retry_after_seconds));
    } else if (appError.code === 'UNAVAILABLE') {
      res.setHeader('Retry-After', '1');
    }
    if (appError.code === 'METHOD_NOT_ALLOWED' && Array.isArray(appError.details.allowed_methods)) {
      res.setHeader('Allow', appError.details.allowed_methods.join(', '));
    }
    res.status(appError.status).json({ error: appError.code, message: appError.message, ...appError.details });
  };
}

function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  if (err instanceof ZodError) return validationError(err);
  const bodyError = bodyReadingError(err);
  if (bodyError) return bodyError;
  // Express could not percent-decode a path parameter (e.g. /venues/%E0%A4): a malformed id.
  if (err instanceof URIError) {
    return new AppError('VALIDATION_ERROR', 'the request is not valid', {
      details: [{ field: 'params', message: 'malformed percent-encoding in the path' }],
    });
  }
  // Before the dependency check: PostgreSQL's message can quote the client's value, which may read "UNAVAILABLE".
  const refusedByPostgres = contractErrorFromPostgres(err);
  if (refusedByPostgres) return refusedByPostgres;
  if (isDependencyFailure(err)) return new AppError('UNAVAILABLE', 'a dependency is unavailable; nothing was changed, retry later');
  return new AppError('INTERNAL', 'internal error');
}

/** express.json's refusals (they carry the status they mean); null for any other error. */
function bodyReadingError(err: unknown): AppError | null {
  const { type, status, expose } = (err ?? {}) as { type?: unknown; status?: unknown; expose?: unknown };
  if (type === 'entity.too.large') return new AppError('PAYLOAD_TOO_LARGE', 'the request body is too large');
  if (type === 'entity.parse.failed') {
    return new AppError('VALIDATION_ERROR', 'the request body is not valid JSON', {
      details: [{ field: '(body)', message: 'malformed JSON' }],
    });
  }
  if (type === 'encoding.unsupported' || type === 'charset.unsupported') {
    return new AppError('VALIDATION_ERROR', 'unsupported body encoding', { details: [{ field: '(body)', message: 'unsupported encoding' }] });
  }
  // The rest of body-parser's 400s: a body that is not what its headers say (bad gzip, wrong length).
  if (expose === true && status === 400) {
    return new AppError('VALIDATION_ERROR', 'the request body could not be read', {
      details: [{ field: '(body)', message: 'the body does not match its Content-Encoding or Content-Length' }],
    });
  }
  return null;
}
