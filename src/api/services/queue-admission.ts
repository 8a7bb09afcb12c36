import { timingSafeEqual } from 'node:crypto';
import type { Redis } from 'ioredis';
import { AppError } from '../../domain/errors';

export const admissionKey = (eventId: string, userId: string): string => `queue:admitted:${eventId}:${userId}`;

/**
 * A high-demand event sells only to buyers the waiting room admitted: the X-Queue-Token must be the
 * one issued to this user for this event (stored in Redis with its expiry when they were admitted).
 */
export async function assertQueueAdmission(
  redis: Redis,
  eventId: string,
  userId: string,
  token: string | null,
): Promise<void> {
  const refused = new AppError('QUEUE_TOKEN_REQUIRED', 'this event sells through its waiting room: join the queue first');
  if (!token) throw refused;
  const issued = await redis.get(admissionKey(eventId, userId));
  if (!issued || issued.length !== token.length || !timingSafeEqual(Buffer.from(issued), Buffer.from(token))) throw refused;
}
