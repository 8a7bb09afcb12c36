/**
 * Whether an error means a dependency (PostgreSQL, Redis, Temporal) is down or unreachable, as opposed
 * to a bug. Those are answered 503 UNAVAILABLE: the request changed nothing and may be retried.
 */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH']);
const GRPC_UNAVAILABLE = 14;
const GRPC_DEADLINE_EXCEEDED = 4;

export function isDependencyFailure(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (typeof e !== 'object') return false;
    const { code, name, message } = e as { code?: unknown; name?: unknown; message?: unknown };
    if (typeof code === 'string' && (NETWORK_CODES.has(code) || /^(08|57P0|53)/.test(code))) return true;
    if (code === GRPC_UNAVAILABLE || code === GRPC_DEADLINE_EXCEEDED) return true;
    if (name === 'MaxRetriesPerRequestError') return true;
    if (typeof message === 'string' && DOWN_MESSAGES.some((m) => message.includes(m))) return true;
  }
  return false;
}

const DOWN_MESSAGES = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  "Stream isn't writeable",
  'Connection is closed',
  'connect ECONNREFUSED',
  'Failed to connect',
  'UNAVAILABLE',
];
