import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { Redis } from 'ioredis';
import type { Pool } from 'pg';
import { createWaitingRoomActivities } from '../../src/activities/waiting-room-activities';
import type { OnSaleInput, OnSaleLimits } from '../../src/domain/on-sale';
import { allAdmissions, joinQueue } from '../../src/waiting-room/queue';
import { onSaleWorkflowId } from '../../src/workflows/ids';
import type { onSaleWorkflow } from '../../src/workflows/on-sale-workflow';
import { workflowBundle } from './env';

export const testLimits = (overrides: Partial<OnSaleLimits> = {}): OnSaleLimits => ({
  maxActive: 10,
  maxAdmissionsPerSecond: 100,
  admissionWindowSeconds: 60,
  tickMs: 1000,
  ...overrides,
});

/** A worker with the waiting room's real activities (real PostgreSQL and Redis) until `fn` settles. */
export async function withOnSaleWorker<T>(
  env: TestWorkflowEnvironment,
  deps: { pool: Pool; redis: Redis },
  taskQueue: string,
  fn: () => Promise<T>,
  options: { sticky?: boolean } = {},
): Promise<T> {
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: workflowBundle(),
    activities: createWaitingRoomActivities(deps),
    // Without a sticky cache a task never waits for a worker that stopped: a restart is seen at once.
    ...(options.sticky === false ? { maxCachedWorkflows: 0 } : {}),
  });
  return worker.runUntil(fn());
}

export function startOnSale(env: TestWorkflowEnvironment, taskQueue: string, input: OnSaleInput) {
  return env.client.workflow.start<typeof onSaleWorkflow>('onSaleWorkflow', {
    workflowId: onSaleWorkflowId(input.eventId),
    taskQueue,
    args: [input],
  });
}

/** Fans (fresh user ids) joining the room all at once; returns them with their join numbers. */
export async function fansJoin(redis: Redis, eventId: string, count: number): Promise<Array<{ userId: string; joinNumber: number }>> {
  const fans = Array.from({ length: count }, () => randomUUID());
  const places = await Promise.all(fans.map((userId) => joinQueue(redis, eventId, userId, Date.now())));
  return fans.map((userId, i) => {
    const place = places[i];
    if (place?.state !== 'WAITING') throw new Error(`fan ${userId} did not get a place: ${JSON.stringify(place)}`);
    return { userId, joinNumber: place.joinNumber };
  });
}

/** Fans in the order they were admitted, with what each admission says. */
export async function admissionOrder(redis: Redis, eventId: string) {
  const all = await allAdmissions(redis, eventId);
  return [...all.entries()].map(([userId, a]) => ({ userId, ...a })).sort((a, b) => a.admissionNumber - b.admissionNumber);
}
