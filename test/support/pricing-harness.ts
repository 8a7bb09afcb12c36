import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { Redis } from 'ioredis';
import type { Pool } from 'pg';
import { createPricingActivities } from '../../src/activities/pricing-activities';
import type { PricingInput } from '../../src/domain/pricing';
import { holdInventory } from '../../src/inventory/hold';
import type { ReservationView } from '../../src/domain/reservation';
import { pricingWorkflowId } from '../../src/workflows/ids';
import type { pricingWorkflow } from '../../src/workflows/pricing-workflow';
import { createUser } from './fixtures';
import { workflowBundle } from './env';

/** A worker with the pricing workflow's real activities (real PostgreSQL and Redis) until `fn` settles. */
export async function withPricingWorker<T>(env: TestWorkflowEnvironment, deps: { pool: Pool; redis: Redis }, fn: (taskQueue: string) => Promise<T>): Promise<T> {
  const taskQueue = `pricing-${randomUUID()}`;
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: workflowBundle(), activities: createPricingActivities(deps) });
  return worker.runUntil(fn(taskQueue));
}

export function startPricing(env: TestWorkflowEnvironment, taskQueue: string, input: PricingInput) {
  return env.client.workflow.start<typeof pricingWorkflow>('pricingWorkflow', { workflowId: pricingWorkflowId(input.eventId), taskQueue, args: [input] });
}

/** When the event's prices are due to move next, as the database says (the workflow's schedule). */
export async function nextChangeAtMs(pool: Pool, eventId: string): Promise<number | null> {
  const { rows } = await pool.query<{ next_change_at: Date | null }>('SELECT next_change_at FROM event_pricing WHERE event_id = $1', [eventId]);
  return rows[0]?.next_change_at?.getTime() ?? null;
}

export async function sectionPrice(pool: Pool, eventId: string, sectionId: string): Promise<number> {
  const { rows } = await pool.query<{ price_cents: number }>('SELECT price_cents FROM event_prices WHERE event_id = $1 AND section_id = $2', [eventId, sectionId]);
  return rows[0]!.price_cents;
}

/** A fan's hold made by the hold's own SQL (the reservation activity's), held for an hour. */
export async function holdAsFan(pool: Pool, hold: { eventId: string; seatIds?: string[]; ga?: Array<{ section_id: string; quantity: number }> }): Promise<ReservationView> {
  const fan = await createUser(pool);
  return holdInventory(pool, {
    reservationId: randomUUID(),
    eventId: hold.eventId,
    userId: fan.id,
    seatIds: hold.seatIds ?? [],
    ga: hold.ga ?? [],
    heldUntil: new Date(Date.now() + 3_600_000),
    maxExtensions: 1,
    idempotencyKey: null,
  });
}

export const demandPricing = (periodSeconds = 3600, maxStepPercent = 10) => ({ mode: 'DEMAND' as const, period_seconds: periodSeconds, max_step_percent: maxStepPercent });
