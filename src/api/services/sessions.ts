import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { AuthUser } from '../middleware/authenticate';

const sessionKey = (token: string): string => `session:${token}`;

/** Opaque tokens: 32 random bytes, the session itself lives in Redis and expires there. */
export async function createSession(redis: Redis, user: AuthUser, ttlSeconds: number): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  await redis.set(sessionKey(token), JSON.stringify(user), 'EX', ttlSeconds);
  return token;
}

export async function findSession(redis: Redis, token: string): Promise<AuthUser | null> {
  const raw = await redis.get(sessionKey(token));
  return raw ? (JSON.parse(raw) as AuthUser) : null;
}

export async function endSession(redis: Redis, token: string): Promise<void> {
  await redis.del(sessionKey(token));
}
