import { AppError } from '../../domain/errors';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Malformed ids are simply not found (the contract allows 404), and never reach PostgreSQL. */
export function idOr404(raw: string, what: string): string {
  if (!UUID.test(raw)) throw new AppError('NOT_FOUND', `${what} not found`);
  return raw.toLowerCase();
}
