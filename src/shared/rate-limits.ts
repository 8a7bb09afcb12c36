import type { Redis } from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { Config } from '../config';
import { AppError } from '../domain/errors';

/**
 * Endpoint families with a budget each (seed 002): sign-in and registration, holds, payments, joining
 * a waiting room, and everything else.
 */
export const RATE_LIMIT_FAMILIES = ['auth', 'reserve', 'checkout', 'queue', 'default'] as const;
export type RateLimitFamily = (typeof RATE_LIMIT_FAMILIES)[number];

/** Who a request counts against: the signed-in user (or, signing in, the account named) and the client IP. */
export interface RateLimitSubject {
  ip: string | undefined;
  userId?: string | null;
  /** Sign-in and registration: the email asked for, so one account cannot be guessed at from many IPs. */
  account?: string | null;
}

export interface RateLimits {
  /** Counts one request; 429 RATE_LIMITED (with retry_after_seconds) once a budget is spent, 503 if Redis is down. */
  consume(family: RateLimitFamily, subject: RateLimitSubject): Promise<void>;
}

type Budgets = Pick<
  Config,
  | 'RATE_LIMIT_AUTH_PER_MINUTE'
  | 'RESERVATION_RATE_LIMIT_PER_MINUTE'
  | 'RATE_LIMIT_CHECKOUT_PER_MINUTE'
  | 'RATE_LIMIT_QUEUE_JOIN_PER_MINUTE'
  | 'RATE_LIMIT_DEFAULT_PER_MINUTE'
  | 'RATE_LIMIT_IP_MULTIPLIER'
>;

function perMinute(config: Budgets, family: RateLimitFamily): number {
  switch (family) {
    case 'auth':
      return config.RATE_LIMIT_AUTH_PER_MINUTE;
    case 'reserve':
      return config.RESERVATION_RATE_LIMIT_PER_MINUTE;
    case 'checkout':
      return config.RATE_LIMIT_CHECKOUT_PER_MINUTE;
    case 'queue':
      return config.RATE_LIMIT_QUEUE_JOIN_PER_MINUTE;
    case 'default':
      return config.RATE_LIMIT_DEFAULT_PER_MINUTE;
  }
}

/**
 * Fixed one-minute budgets kept in Redis by rate-limiter-flexible (one atomic script per count), so
 * every API process shares them. A request counts against its user (or account) and its IP; the
 * first budget spent refuses it.
 */
export function createRateLimits(redis: Redis, config: Budgets): RateLimits {
  const limiter = (family: RateLimitFamily, by: 'subject' | 'ip'): RateLimiterRedis =>
    new RateLimiterRedis({
      storeClient: redis,
      keyPrefix: `ratelimit:${family}:${by}`,
      points: perMinute(config, family) * (by === 'ip' ? config.RATE_LIMIT_IP_MULTIPLIER : 1),
      duration: 60,
      // Redis down: refuse at once (503) rather than queue behind a reconnect.
      rejectIfRedisNotReady: true,
    });
  const limiters = new Map(RATE_LIMIT_FAMILIES.map((family) => [family, { subject: limiter(family, 'subject'), ip: limiter(family, 'ip') }]));

  return {
    async consume(family, subject) {
      const pair = limiters.get(family);
      if (!pair) return;
      const counted: Array<Promise<unknown>> = [];
      const key = subject.account ? `account:${subject.account.trim().toLowerCase()}` : subject.userId ? `user:${subject.userId}` : null;
      if (key) counted.push(pair.subject.consume(key));
      if (subject.ip) counted.push(pair.ip.consume(subject.ip));
      const outcomes = await Promise.allSettled(counted);
      const refusals = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason as unknown] : []));
      if (refusals.length === 0) return;
      const spent = refusals.filter((r): r is RateLimiterRes => r instanceof RateLimiterRes);
      if (spent.length < refusals.length) throw new AppError('UNAVAILABLE', 'the rate limiter is unavailable; retry later');
      const retryAfter = Math.max(1, ...spent.map((r) => Math.ceil(r.msBeforeNext / 1000)));
      throw new AppError('RATE_LIMITED', 'too many requests; slow down', { retry_after_seconds: retryAfter });
    },
  };
}
