import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { AuthUser } from './auth-user';

const sessionKey = (token: string): string => `session:${token}`;
const userSessionsKey = (userId: string): string => `user-sessions:${userId}`;

/** Opaque tokens: 32 random bytes, the session itself lives in Redis and expires there. */
export async function createSession(redis: Redis, user: AuthUser, ttlSeconds: number): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  await redis
    .multi()
    .set(sessionKey(token), JSON.stringify(user), 'EX', ttlSeconds)
    // The user's tokens, so a change of role reaches the sessions already signed in.
    .sadd(userSessionsKey(user.id), token)
    .expire(userSessionsKey(user.id), ttlSeconds)
    .exec();
  return token;
}

/** A user's role changed: every session of theirs carries the new one from the next request on. */
export async function refreshSessions(redis: Redis, user: AuthUser): Promise<void> {
  const tokens = await redis.smembers(userSessionsKey(user.id));
  for (const token of tokens) {
    const updated = await redis.set(sessionKey(token), JSON.stringify(user), 'KEEPTTL', 'XX');
    if (updated === null) await redis.srem(userSessionsKey(user.id), token);
  }
}

export async function findSession(redis: Redis, token: string): Promise<AuthUser | null> {
  const raw = await redis.get(sessionKey(token));
  return raw ? (JSON.parse(raw) as AuthUser) : null;
}

export async function endSession(redis: Redis, token: string): Promise<void> {
  await redis.del(sessionKey(token));
}

/** Every session of a user ends (its password was rotated): each token stops working at its next request. */
export async function endAllSessions(redis: Redis, userId: string): Promise<void> {
  const tokens = await redis.smembers(userSessionsKey(userId));
  await redis
    .multi()
    .del(...tokens.map(sessionKey), userSessionsKey(userId))
    .exec();
}
