import { Client, Connection, defaultGrpcRetryOptions, makeGrpcRetryInterceptor } from '@temporalio/client';
import type { Interceptor } from '@grpc/grpc-js';
import { Redis } from 'ioredis';
import type { Config } from '../config';
import { requestIdClientInterceptor } from './request-id-interceptors';

/** Redis that fails a command fast while the server is down (the caller answers 503) and reconnects by itself. */
export function createRedis(config: Pick<Config, 'REDIS_URL'>): Redis {
  const redis = new Redis(config.REDIS_URL, {
    // Commands issued in the same tick go out as one pipeline: a request's two rate budgets (per user and
    // per IP), the change announcements of a release, cost one round trip instead of one each.
    enableAutoPipelining: true,
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    enableOfflineQueue: false,
    retryStrategy: (times) => Math.min(times * 200, 2000),
  });
  redis.on('error', () => undefined);
  return redis;
}

export async function waitForRedis(redis: Redis, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (redis.status === 'ready') {
        await redis.ping();
        return;
      }
    } catch {
      /* not yet */
    }
    if (Date.now() > until) throw new Error(`Redis did not answer within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export function createTemporalClient(
  config: Pick<Config, 'TEMPORAL_ADDRESS' | 'TEMPORAL_NAMESPACE'>,
  /** More gRPC interceptors, outermost first (the API times its calls). */
  grpcInterceptors: Interceptor[] = [],
): { client: Client; connection: Connection } {
  // Lazy: the API starts (and reports 503 / an unhealthy check) while Temporal is still coming up.
  // A few quick gRPC retries ride out a blip; beyond that a buyer is better served by a prompt 503
  // (they retry with the same idempotency key) than by a request hanging for the SDK's ~20 s default.
  const connection = Connection.lazy({
    address: config.TEMPORAL_ADDRESS,
    connectTimeout: '5s',
    interceptors: [...grpcInterceptors, makeGrpcRetryInterceptor(defaultGrpcRetryOptions({ maxAttempts: 4 }))],
  });
  const interceptors = { workflow: [requestIdClientInterceptor] };
  return { connection, client: new Client({ connection, namespace: config.TEMPORAL_NAMESPACE, interceptors }) };
}
