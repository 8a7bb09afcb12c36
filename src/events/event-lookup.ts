import type { Queryable } from '../db/transaction';
import { isUuid } from '../db/uuid';
import { AppError } from '../domain/errors';

export function eventNotFound(id: string): AppError {
  return new AppError('EVENT_NOT_FOUND', 'event not found', { event_id: id });
}

/** 404 EVENT_NOT_FOUND unless the event exists (a malformed id never reaches PostgreSQL). */
export async function assertEventExists(db: Queryable, eventId: string): Promise<void> {
  if (!isUuid(eventId)) throw eventNotFound(eventId);
  const { rowCount } = await db.query('SELECT 1 FROM events WHERE id = $1', [eventId]);
  if (!rowCount) throw eventNotFound(eventId);
}
