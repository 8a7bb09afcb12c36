import { randomUUID } from 'node:crypto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { Redis } from 'ioredis';
import type { Pool } from 'pg';
import { createActivities, type ReservationActivities } from '../../src/activities';
import type { ReservationInput } from '../../src/domain/reservation';
import { createSimulatedProvider } from '../../src/payments/simulated-provider';
import { holdUpdate } from '../../src/workflows/definitions';
import { reservationWorkflowId } from '../../src/workflows/ids';
import type { reservationWorkflow } from '../../src/workflows/reservation-workflow';
import { quietTemporalRuntime, timeSkippingServerPath, workflowBundle } from './env';

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
  deps: { pool: Pool; redis: Redis },
  fn: (taskQueue: string) => Promise<T>,
  wrap: (activities: ReservationActivities) => ReservationActivities = (a) => a,
): Promise<T> {
  const taskQueue = `wf-test-${randomUUID()}`;
  const activities = wrap(createActivities({ ...deps, payments: createSimulatedProvider(deps.redis, { slowMs: 50 }) }));
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
  const handle = await env.client.workflow.start<typeof reservationWorkflow>('reservationWorkflow', {
    workflowId: reservationWorkflowId(input.reservationId),
    taskQueue,
    args: [input],
  });
  const hold = await handle.executeUpdate(holdUpdate, { args: [{ requestId: randomUUID() }] });
  return { handle, hold };
}
