import { AppError } from '../domain/errors';

/** The unique index behind "one account per email" (case-insensitive), in src/db/migrations. */
const USERS_EMAIL_KEY = 'users_email_key';

/**
 * PostgreSQL refusals that are the client's doing and have a contract code. The validators should
 * stop such input first; this is the net for what slips past them (or races past a check), so it is
 * answered with its code rather than 500. Returns null for anything else.
 */
export function contractErrorFromPostgres(err: unknown): AppError | null {
  const { code, constraint } = (err ?? {}) as { code?: unknown; constraint?: unknown };
  if (typeof code !== 'string' || !/^[0-9A-Z]{5}$/.test(code)) return null;
  // Two registrations of one email racing past each other: the index decides, the loser is told why.
  if (code === '23505' && constraint === USERS_EMAIL_KEY) {
    return new AppError('EMAIL_TAKEN', 'an account with this email already exists');
  }
  // Class 22, data exception: a value PostgreSQL cannot take (malformed uuid or timestamp, a number
  // out of range, a NUL character in text). PostgreSQL does not say which parameter it was.
  if (code.startsWith('22')) {
    return new AppError('VALIDATION_ERROR', 'the request is not valid', {
      details: [{ field: '(request)', message: 'a value is malformed or out of range for what it is stored as' }],
    });
  }
  return null;
}
