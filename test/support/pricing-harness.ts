import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { Redis } from 'ioredis';
import type { Pool } from 'pg';
import { createPricingActivities } from '../../src/activities/pricing-activities';
import { decidePrices } from '../../src/domain/demand-pricing-rule';
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

/**
 * One period of a DEMAND event, run by the very steps the pricing workflow runs at a period's end: its
 * activities measure and apply, THE RULE decides, at `nowMs`. For suites on real time, where a period
 * (a minute at least) is too long to wait for; the workflow's own timer is tested with time skipping.
 */
export async function runPricingPeriod(deps: { pool: Pool; redis: Redis }, eventId: string, nowMs: number) {
  const activities = createPricingActivities(deps);
  const measure = await activities.measureDemand({ eventId });
  if (measure.nextChangeAtMs === null) throw new Error(`event ${eventId} has no period due`);
  const decisions = decidePrices(measure.sections, measure.queueWaiting, { nowMs, opensAtMs: measure.opensAtMs, startsAtMs: measure.startsAtMs }, measure.terms);
  return activities.applyPrices({
    eventId,
    periodAtMs: measure.nextChangeAtMs,
    nextChangeAtMs: measure.nextChangeAtMs + measure.terms.periodSeconds * 1000,
    changes: decisions.map((d) => ({ sectionId: d.sectionId, oldPriceCents: d.oldPriceCents, newPriceCents: d.newPriceCents, stepPercent: d.stepPercent, figures: d.figures })),
  });
}
