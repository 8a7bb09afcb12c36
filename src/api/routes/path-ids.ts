import { isUuid } from '../../db/uuid';
import { AppError } from '../../domain/errors';

/** Malformed ids are simply not found (the contract allows 404), and never reach PostgreSQL. */
export function idOr404(raw: string, what: string): string {
  if (!isUuid(raw)) throw new AppError('NOT_FOUND', `${what} not found`);
  return raw.toLowerCase();
}
