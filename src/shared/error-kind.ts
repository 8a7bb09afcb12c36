/**
 * What a log line may say of an error it did not make: its kind and code (`TypeError`,
 * `ECONNREFUSED`, SQLSTATE `42P01`, gRPC 14), never its text or its stack, which can quote SQL,
 * hosts, credentials in a URL, file paths and the values a request carried.
 */
export interface ErrorKind {
  name: string;
  code?: string | number;
}

export function errorKind(err: unknown): ErrorKind {
  if (!err || typeof err !== 'object') return { name: typeof err };
  const { name, code } = err as { name?: unknown; code?: unknown };
  return { name: typeof name === 'string' ? name : 'Error', ...(typeof code === 'string' || typeof code === 'number' ? { code } : {}) };
}

export function describeErrorKind(err: unknown): string {
  const kind = errorKind(err);
  return kind.code === undefined ? kind.name : `${kind.name} ${kind.code}`;
}
