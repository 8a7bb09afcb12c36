import { randomUUID } from 'node:crypto';
import { WorkflowFailedError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { Redis } from 'ioredis';
import type { Pool } from 'pg';
import type { MailSettings } from '../../src/email/mail-settings';
import { createWorkerActivities, type WorkerActivities } from '../../src/workers/worker-activities';
import type { ReservationInput } from '../../src/domain/reservation';
import type { PaymentProvider } from '../../src/payments/provider';
import { createSimulatedProvider } from '../../src/payments/simulated-provider';
import { holdUpdate } from '../../src/workflows/definitions';
import { RESERVATION_WORKFLOW_TYPE, reservationWorkflowId } from '../../src/workflows/ids';
import type { reservationWorkflow } from '../../src/workflows/reservation-workflow';
import { createPool } from '../../src/db/pool';
import { createRedis } from '../../src/shared/clients';
import { stopRunningWorkers } from './running-workers';
import { quietTemporalRuntime, testConfig, testTicketKeys, timeSkippingServerPath, workflowBundle } from './env';

quietTemporalRuntime();

export async function createTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: timeSkippingServerPath() } },
  });
}

/**
 * A worker on a fresh task queue with the real activities (real PostgreSQL and Redis); `wrap` lets a
 * test put a fault in front of one activity. The worker stops when `fn` settles.
 */
export async function withWorker<T>(
  env: TestWorkflowEnvironment,
  /** `mail`: the SMTP server the worker's emails go to; without it they wait in the outbox. */
  deps: { pool: Pool; redis: Redis; mail?: MailSettings | null },
  fn: (taskQueue: string) => Promise<T>,
  wrap: (activities: WorkerActivities) => WorkerActivities = (a) => a,
  /** The payment processor is the one edge this suite cannot run for real: a test may put a fault in it. */
  processor: (simulated: PaymentProvider) => PaymentProvider = (p) => p,
): Promise<T> {
  const taskQueue = `wf-test-${randomUUID()}`;
  const activities = wrap(
    createWorkerActivities({
      pool: deps.pool,
      redis: deps.redis,
      payments: processor(createSimulatedProvider(deps.redis, { slowMs: 50 })),
      ticketKeys: testTicketKeys(),
      temporal: env.client,
      mail: deps.mail ?? null,
    }),
  );
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: workflowBundle(),
    activities,
  });
  return worker.runUntil(fn(taskQueue));
}

export function reservationInput(overrides: Partial<ReservationInput> & Pick<ReservationInput, 'eventId' | 'userId'>): ReservationInput {
  return {
    reservationId: randomUUID(),
    seatIds: [],
    ga: [],
    holdSeconds: 600,
    extensionSeconds: 600,
    maxExtensions: 1,
    paymentGraceSeconds: 60,
    maxPaymentAttempts: 3,
    idempotencyKey: null,
    ...overrides,
  };
}

/** Starts a reservation the way the API does (start, then the hold update) and returns its handle and hold. */
export async function startReservation(env: TestWorkflowEnvironment, taskQueue: string, input: ReservationInput) {
  const handle = await env.client.workflow.start<typeof reservationWorkflow>(RESERVATION_WORKFLOW_TYPE, {
    workflowId: reservationWorkflowId(input.reservationId),
    taskQueue,
    args: [input],
  });
  const hold = await handle.executeUpdate(holdUpdate, { args: [{ requestId: randomUUID() }] });
  return { handle, hold };
}

export interface TimeSkippingSuite {
  env: TestWorkflowEnvironment;
  pool: Pool;
  redis: Redis;
}

/**
 * A workflow suite's surroundings: PostgreSQL and Redis for the whole file, and a time-skipping test
 * server of its own per test (its clock only moves forward, so one scenario's timers must not fire in
 * the middle of the next). The returned object is filled in by the hooks this registers.
 */
export function useTimeSkippingSuite(): TimeSkippingSuite {
  const suite = {} as TimeSkippingSuite;
  beforeAll(() => {
    const config = testConfig();
    suite.pool = createPool(config);
    suite.redis = createRedis(config);
  });
  beforeEach(async () => {
    suite.env = await createTimeSkippingEnv();
  });
  afterEach(async () => {
    if (!suite.env) return;
    // Before the server goes: a worker left polling a server that is gone would never stop.
    const left = await stopRunningWorkers(suite.env.nativeConnection);
    await suite.env.teardown();
    if (left.length > 0) throw new Error(`a worker was still running when the test ended (now shut down): ${left.join(', ')}`);
  });
  afterAll(async () => {
    await suite.pool?.end();
    suite.redis?.disconnect();
  });
  return suite;
}

/** The contract code a workflow or update failed with (its ApplicationFailure type). */
export function failureCode(err: unknown): string | undefined {
  const cause = err instanceof WorkflowUpdateFailedError || err instanceof WorkflowFailedError ? err.cause : err;
  return cause instanceof ApplicationFailure ? (cause.type ?? undefined) : undefined;
}

/** What a promise rejected with (null if it resolved), so a scenario can assert on the refusal. */
export function failureOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => null,
    (e: unknown) => e,
  );
}
