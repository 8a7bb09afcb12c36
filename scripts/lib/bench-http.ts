/**
 * A JSON client for the API under test. node:http with a keep-alive agent rather than global fetch:
 * the `undici` package (needed to tune fetch's pool) is not a dependency, and reused connections keep
 * TCP handshakes out of the measured latency. The host is fixed to 127.0.0.1: the bench must never
 * send traffic anywhere else.
 */
import { Agent, request } from 'node:http';

export interface JsonResponse {
  status: number;
  body: unknown;
}

export interface ApiClient {
  call(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown, token?: string, headers?: Record<string, string>): Promise<JsonResponse>;
  close(): void;
}

const HOST = '127.0.0.1';
/** Longer than the API's own 20 s deadline for a workflow update, so the server always answers first. */
const REQUEST_TIMEOUT_MS = 30_000;

export function createApiClient(port: number, maxSockets: number): ApiClient {
  const agent = new Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });
  return {
    call: (method, path, body, token, headers) => send(agent, port, method, path, body, token, headers),
    close: () => agent.destroy(),
  };
}

function send(
  agent: Agent,
  port: number,
  method: string,
  path: string,
  body: unknown,
  token: string | undefined,
  extra: Record<string, string> = {},
): Promise<JsonResponse> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const headers: Record<string, string | number> = { ...extra, accept: 'application/json' };
  if (payload !== undefined) {
    headers['content-type'] = 'application/json';
    headers['content-length'] = Buffer.byteLength(payload);
  }
  if (token) headers.authorization = `Bearer ${token}`;
  return new Promise<JsonResponse>((resolve, reject) => {
    const req = request({ host: HOST, port, method, path, headers, agent, timeout: REQUEST_TIMEOUT_MS }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: parseJson(Buffer.concat(chunks).toString('utf8')) }));
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer within ${REQUEST_TIMEOUT_MS} ms`)));
    req.on('error', reject);
    req.end(payload);
  });
}

function parseJson(text: string): unknown {
  if (text === '') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** Narrowing helpers: responses are untrusted JSON, read field by field. */
export function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

export function stringField(value: unknown, key: string): string | undefined {
  const v = field(value, key);
  return typeof v === 'string' ? v : undefined;
}

export function arrayField(value: unknown, key: string): unknown[] {
  const v = field(value, key);
  return Array.isArray(v) ? v : [];
}

/** Throws with the response attached when a setup call did not get the status it needs. */
export function expectStatus(res: JsonResponse, expected: number, what: string): unknown {
  if (res.status !== expected) {
    throw new Error(`${what}: expected HTTP ${expected}, got ${res.status}: ${JSON.stringify(res.body).slice(0, 500)}`);
  }
  return res.body;
}
