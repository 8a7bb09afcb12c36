import { z } from 'zod';
import { AppError } from '../domain/errors';

/**
 * An opaque page cursor for keyset pagination over (timestamp, id): pages stay stable while rows are
 * added. The timestamp is kept as PostgreSQL printed it (microseconds, which a JS Date would lose).
 */
export interface KeysetCursor {
  at: string;
  id: string;
}

const cursorSchema = z.tuple([z.string().datetime({ offset: true }), z.string().uuid()]);

export function encodeCursor(cursor: KeysetCursor): string {
  return Buffer.from(JSON.stringify([cursor.at, cursor.id])).toString('base64url');
}

export function decodeCursor(raw: string): KeysetCursor {
  try {
    const [at, id] = cursorSchema.parse(JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')));
    return { at, id };
  } catch {
    throw new AppError('VALIDATION_ERROR', 'the request is not valid', {
      details: [{ field: 'query.cursor', message: 'not a cursor returned by this API' }],
    });
  }
}
