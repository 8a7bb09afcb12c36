import type { Redis } from 'ioredis';
import { AppError } from '../../domain/errors';

/**
 * Fixed-window counter in Redis, shared by every API process: `limit` calls per `windowSeconds` per
 * subject. Beyond it: 429 RATE_LIMITED with Retry-After until the window turns.
 */
export async function enforceRateLimit(
  redis: Redis,
  subject: string,
  limit: number,
  windowSeconds = 60,
): Promise<void> {
  const window = Math.floor(Date.now() / 1000 / windowSeconds);
  const key = `ratelimit:${subject}:${window}`;
  const [[, count] = [null, 0]] = ((await redis.multi().incr(key).expire(key, windowSeconds + 1).exec()) ?? []) as Array<[Error | null, number]>;
  if (Number(count) > limit) {
    const retryAfter = windowSeconds - (Math.floor(Date.now() / 1000) % windowSeconds);
    throw new AppError('RATE_LIMITED', 'too many requests; slow down', { retry_after_seconds: retryAfter });
  }
}
