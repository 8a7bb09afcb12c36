/**
 * Whether an error means a dependency (PostgreSQL, Redis, Temporal) is down, unreachable or shedding
 * load, as opposed to a bug. Those are answered 503 UNAVAILABLE with Retry-After: the request changed
 * nothing (its transaction was rolled back, or it never got through) and may be retried.
 */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH']);

/**
 * PostgreSQL SQLSTATEs of a server that cannot serve now: connection exceptions (08), shutdown or
 * restart (57P0x), insufficient resources (53), and a statement that gave up waiting (57014 statement
 * timeout, 55P03 lock timeout) or lost a race it may win on a retry (40001 serialization, 40P01
 * deadlock). All of them roll the transaction back.
 */
const POSTGRES_BUSY = /^(08|57P0|53|57014$|55P03$|40001$|40P01$)/;

const GRPC_DEADLINE_EXCEEDED = 4;
/** Temporal's rate limits (namespace RPS, too many pending updates): "slow down", not a bug. */
const GRPC_RESOURCE_EXHAUSTED = 8;
const GRPC_UNAVAILABLE = 14;
const GRPC_BUSY = new Set([GRPC_DEADLINE_EXCEEDED, GRPC_RESOURCE_EXHAUSTED, GRPC_UNAVAILABLE]);

export function isDependencyFailure(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (typeof e !== 'object') return false;
    const { code, name, message } = e as { code?: unknown; name?: unknown; message?: unknown };
    if (typeof code === 'string' && (NETWORK_CODES.has(code) || POSTGRES_BUSY.test(code))) return true;
    if (typeof code === 'number' && GRPC_BUSY.has(code)) return true;
    if (name === 'MaxRetriesPerRequestError') return true;
    if (typeof message === 'string' && DOWN_MESSAGES.some((m) => message.includes(m))) return true;
  }
  return false;
}

const DOWN_MESSAGES = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'is not queryable',
  "Stream isn't writeable",
  'Connection is closed',
  'connect ECONNREFUSED',
  'Failed to connect',
  'UNAVAILABLE',
];
