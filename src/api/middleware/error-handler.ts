import type { ErrorRequestHandler, RequestHandler } from 'express';
import { ZodError } from 'zod';
import { AppError } from '../../domain/errors';
import { isDependencyFailure } from '../dependency-errors';

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

/** The one place where errors become HTTP responses. */
export function errorHandler(log: (line: string) => void): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    const appError = toAppError(err);
    if (appError.status >= 500 && appError.code !== 'UNAVAILABLE') {
      log(`[${String(res.locals.requestId)}] ${req.method} ${req.originalUrl}: ${(err as Error)?.stack ?? String(err)}`);
    }
    if (typeof appError.details.retry_after_seconds === 'number') {
      res.setHeader('Retry-After', String(appError.details.retry_after_seconds));
    } else if (appError.code === 'UNAVAILABLE') {
      res.setHeader('Retry-After', '1');
    }
    res.status(appError.status).json({ error: appError.code, message: appError.message, ...appError.details });
  };
}

function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  if (err instanceof ZodError) return validationError(err);
  const bodyParser = err as { type?: string; status?: number };
  if (bodyParser?.type === 'entity.too.large') return new AppError('PAYLOAD_TOO_LARGE', 'the request body is too large');
  if (bodyParser?.type === 'entity.parse.failed') {
    return new AppError('VALIDATION_ERROR', 'the request body is not valid JSON', {
      details: [{ field: '(body)', message: 'malformed JSON' }],
    });
  }
  if (bodyParser?.type === 'encoding.unsupported' || bodyParser?.type === 'charset.unsupported') {
    return new AppError('VALIDATION_ERROR', 'unsupported body encoding', { details: [{ field: '(body)', message: 'unsupported encoding' }] });
  }
  if (isDependencyFailure(err)) return new AppError('UNAVAILABLE', 'a dependency is unavailable; nothing was changed, retry later');
  return new AppError('INTERNAL', 'internal error');
}
