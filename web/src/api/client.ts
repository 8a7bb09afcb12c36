import { observeServerDate } from '../server-clock';
import { currentSession, setSession } from './session';

/** An answer that is not 2xx, with the contract's error code and its details (or NETWORK: no answer at all). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly body: Record<string, unknown>,
    readonly retryAfterSeconds: number | null,
  ) {
    super(typeof body.message === 'string' ? body.message : code);
  }
}

export interface ApiAnswer<T> {
  data: T;
  headers: Headers;
}

interface RequestOptions {
  body?: unknown;
  headers?: Record<string, string>;
}

export const API_BASE = '/api/v1';

export async function request<T>(method: string, path: string, options: RequestOptions = {}): Promise<ApiAnswer<T>> {
  const session = currentSession();
  const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
  if (session) headers.authorization = `Bearer ${session.token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  const sentAt = Date.now();
  try {
    res = await fetch(`${API_BASE}${path}`, { method, headers, body: options.body === undefined ? undefined : JSON.stringify(options.body) });
  } catch {
    throw new ApiError(0, 'NETWORK', {}, null);
  }
  observeServerDate(res.headers.get('date'), sentAt, Date.now());
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = { message: text };
  }
  if (res.ok) return { data: parsed as T, headers: res.headers };
  const body = (parsed ?? {}) as Record<string, unknown>;
  const code = typeof body.error === 'string' ? body.error : 'UNKNOWN';
  // The token was logged out elsewhere or has lapsed: the fan logs in again.
  if (code === 'UNAUTHENTICATED' && session) setSession(null);
  const retryAfter = Number(res.headers.get('retry-after'));
  throw new ApiError(res.status, code, body, Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : null);
}

export const get = <T>(path: string, headers?: Record<string, string>): Promise<T> => request<T>('GET', path, { headers }).then((a) => a.data);
export const post = <T>(path: string, body?: unknown, headers?: Record<string, string>): Promise<T> =>
  request<T>('POST', path, { body, headers }).then((a) => a.data);
export const del = <T>(path: string): Promise<T> => request<T>('DELETE', path).then((a) => a.data);

/** One key per fan action: a retried or doubled click never holds or charges twice. */
export const idempotencyKey = (): Record<string, string> => ({ 'X-Idempotency-Key': crypto.randomUUID() });
