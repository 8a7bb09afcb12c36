import type { Client } from '@temporalio/client';
import type { Redis } from 'ioredis';
import type { Pool } from 'pg';

/**
 * One dependency as /health shows it. What the dependency answered when it failed is not shown:
 * /health is public, and an error's text can name hosts, users and versions.
 */
export interface HealthCheck {
  name: 'postgresql' | 'redis' | 'temporal';
  status: 'ok' | 'down';
  latency_ms: number;
}

const CHECK_TIMEOUT_MS = 1500;

/** The stores and services a process depends on, as /health checks them. */
export interface HealthDependencies {
  pool: Pool;
  redis: Redis;
  temporal: Client;
}

export async function checkHealth(deps: HealthDependencies): Promise<{ status: 'ok' | 'degraded'; checks: HealthCheck[] }> {
  const checks = await Promise.all([
    probe('postgresql', () => deps.pool.query('SELECT 1')),
    probe('redis', () => deps.redis.ping()),
    probe('temporal', () =>
      deps.temporal.connection.withDeadline(Date.now() + CHECK_TIMEOUT_MS, () =>
        deps.temporal.workflowService.getSystemInfo({}),
      ),
    ),
  ]);
  return { status: checks.every((c) => c.status === 'ok') ? 'ok' : 'degraded', checks };
}

async function probe(name: HealthCheck['name'], fn: () => Promise<unknown>): Promise<HealthCheck> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      fn(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
      }),
    ]);
    return { name, status: 'ok', latency_ms: elapsed(started) };
  } catch {
    return { name, status: 'down', latency_ms: elapsed(started) };
  } finally {
    clearTimeout(timer);
  }
}

function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 10) / 10;
}
