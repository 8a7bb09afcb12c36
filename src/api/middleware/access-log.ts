import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import type { ErrorSummary } from './error-handler';

type Answered = ServerResponse & { locals?: { requestId?: unknown; errorSummary?: ErrorSummary } };

/**
 * One JSON line per request (pino-http), with its request id. An answer is debug (at the default
 * `info` a successful request writes nothing: during a sale that line was a tenth of the API's CPU;
 * /metrics counts and times every request), a refusal (4xx) info (an operator at `warn` sees none of
 * them: a busy sale refuses thousands a minute), a failure (5xx) error with the summary the error
 * handler made: its code and our message, never a stack or what a dependency said. No headers either way; paths carry ids (reservation, order), bodies are
 * never logged.
 */
export function accessLogging(logger: Logger) {
  const summaryOf = (res: ServerResponse): ErrorSummary | undefined => (res as Answered).locals?.errorSummary;
  return pinoHttp({
    logger,
    genReqId: (_req, res) => String((res as Answered).locals?.requestId),
    customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'info' : 'debug'),
    serializers: {
      req: (req: { id: unknown; method: string; url: string }) => ({ id: req.id, method: req.method, url: req.url }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
    customSuccessObject: (_req: IncomingMessage, res: ServerResponse, value: Record<string, unknown>) => {
      const summary = summaryOf(res);
      return res.statusCode >= 400 && summary ? { ...value, error: { code: summary.code } } : value;
    },
    // In place of pino-http's own error (a stack of its own making, or the socket's error text).
    customErrorObject: (_req: IncomingMessage, res: ServerResponse, _error: Error, value: Record<string, unknown>) => {
      const { err: _dropped, ...rest } = value;
      return { ...rest, error: summaryOf(res) ?? { code: 'INTERNAL', message: 'the response failed before it was complete' } };
    },
  });
}
