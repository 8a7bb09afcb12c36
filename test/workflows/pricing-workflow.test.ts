import type { WorkflowHandle } from '@temporalio/client';
import { getEvent } from '../../src/events/event-view';
import { markEventCancelled } from '../../src/operations/event-cancellation';
import { createRedis, waitForRedis } from '../../src/shared/clients';
import { pricingQuery } from '../../src/workflows/pricing-definitions';
import { seedEvent } from '../support/fixtures';
import { fansJoin } from '../support/on-sale-harness';
import { demandPricing, holdAsFan, nextChangeAtMs, sectionPrice, startPricing, withPricingWorker } from '../support/pricing-harness';
import { startScratchRedis } from '../support/scratch-redis';
import { useTimeSkippingSuite } from '../support/workflow-harness';

const suite = useTimeSkippingSuite();
const deps = () => ({ pool: suite.pool, redis: suite.redis });
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

interface ChangeRow {
  section_id: string;
  period_at: Date;
  old_price_cents: number;
  new_price_cents: number;
  step_percent: number;
  capacity: number;
  sold: number;
  held: number;
  queue_waiting: number;
  demand_share: string;
  pace_share: string;
  min_price_cents: number;
  max_price_cents: number;
}

/** Whether a step of the run (a local activity) has failed after its retries: its marker records the failure. */
async function failedStep(handle: WorkflowHandle): Promise<boolean> {
  const { events } = await handle.fetchHistory();
  return (events ?? []).some((e) => e.markerRecordedEventAttributes?.failure);
}

async function changesOf(eventId: string): Promise<ChangeRow[]> {
  const { rows } = await suite.pool.query<ChangeRow>('SELECT * FROM price_changes WHERE event_id = $1 ORDER BY id', [eventId]);
  return rows;
}

/** A DEMAND event whose sale opened 9 days ago and which starts tomorrow: nine tenths of the window gone. */
async function lateSaleEvent() {
  return seedEvent(suite.pool, {
    seated: [{ rows: 3, seats_per_row: 10, price_cents: 5000, min_price_cents: 5000, max_price_cents: 5200 }],
    ga: [{ capacity: 100, price_cents: 3000, min_price_cents: 2900, max_price_cents: 6000 }],
    event: { pricing: demandPricing(3600, 10), on_sale_at: new Date(Date.now() - 9 * DAY), starts_at: new Date(Date.now() + DAY) },
  });
}

describe('the pricing workflow, a period at a time', () => {
  test('at the end of a period a section ahead of its pace goes up and one behind goes down, each by at most the step and within its bounds, recorded with its figures', async () => {
    const seeded = await lateSaleEvent();
    const [seated] = seeded.seatedSectionIds;
    const [ga] = seeded.gaSectionIds;
    // 29 of 30 seats held: 96.7% taken against 90.4% of the window gone. Nobody in the standing area.
    const early = await holdAsFan(suite.pool, { eventId: seeded.event.id, seatIds: seeded.seatIds.slice(0, 29) });
    const firstEnd = await nextChangeAtMs(suite.pool, seeded.event.id);
    expect(firstEnd).not.toBeNull();

    await withPricingWorker(suite.env, deps(), async (taskQueue) => {
      const handle = await startPricing(suite.env, taskQueue, { eventId: seeded.event.id, notBeforeMs: firstEnd! });
      expect(await handle.query(pricingQuery)).toMatchObject({ periods: 0, changes: 0 });
      await suite.env.sleep(HOUR + 60_000);
      expect(await handle.query(pricingQuery)).toMatchObject({ periods: 1, changes: 2, phase: 'WAITING_FOR_PERIOD', nextChangeAtMs: firstEnd! + HOUR });
      await handle.terminate();
    });

    // Up 6% (6.3 points ahead) would be 5300: the maximum 5200 stops it. Down 10% would be 2700: the minimum 2900 stops it.
    expect(await sectionPrice(suite.pool, seeded.event.id, seated!)).toBe(5200);
    expect(await sectionPrice(suite.pool, seeded.event.id, ga!)).toBe(2900);
    const changes = await changesOf(seeded.event.id);
    expect(changes.map((c) => [c.section_id, c.old_price_cents, c.new_price_cents, c.step_percent])).toEqual(
      [
        [seated, 5000, 5200, 6],
        [ga, 3000, 2900, 10],
      ].sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
    );
    const seatedChange = changes.find((c) => c.section_id === seated)!;
    expect(seatedChange).toMatchObject({ capacity: 30, sold: 0, held: 29, queue_waiting: 0, min_price_cents: 5000, max_price_cents: 5200 });
    expect(Number(seatedChange.demand_share)).toBe(0.9667);
    expect(Number(seatedChange.pace_share)).toBeCloseTo(0.904, 2);
    expect(seatedChange.period_at.getTime()).toBe(firstEnd);

    // The hold made before the change keeps its price; the event now shows the new one and the next period's end.
    const view = await getEvent(suite.pool, seeded.event.id);
    expect(view.sections.map((s) => [s.section_id, s.price_cents, s.next_price_change_at])).toEqual(
      expect.arrayContaining([
        [seated, 5200, new Date(firstEnd! + HOUR).toISOString()],
        [ga, 2900, new Date(firstEnd! + HOUR).toISOString()],
      ]),
    );
    const { rows } = await suite.pool.query<{ price_cents: number; total: number }>(
      'SELECT i.price_cents, r.total_price_cents AS total FROM reservation_items i JOIN reservations r ON r.id = i.reservation_id WHERE r.id = $1',
      [early.reservation_id],
    );
    expect(new Set(rows.map((r) => r.price_cents))).toEqual(new Set([5000]));
    expect(rows[0]!.total).toBe(29 * 5000);
    // And a hold made after it pays the new price.
    const late = await holdAsFan(suite.pool, { eventId: seeded.event.id, seatIds: [seeded.seatIds[29]!] });
    expect(late.seats[0]!.price_cents).toBe(5200);
    expect(late.total_price_cents).toBe(5200);
  });

  test('a section on pace keeps its price, and the period still moves the next change on', async () => {
    const seeded = await seedEvent(suite.pool, {
      ga: [{ capacity: 100, price_cents: 3000 }],
      event: { pricing: demandPricing(3600, 10), on_sale_at: new Date(Date.now() - 5 * DAY), starts_at: new Date(Date.now() + 5 * DAY) },
    });
    // Half the window gone, half the section held.
    await holdAsFan(suite.pool, { eventId: seeded.event.id, ga: [{ section_id: seeded.gaSectionIds[0]!, quantity: 50 }] });
    const firstEnd = (await nextChangeAtMs(suite.pool, seeded.event.id))!;
    await withPricingWorker(suite.env, deps(), async (taskQueue) => {
      const handle = await startPricing(suite.env, taskQueue, { eventId: seeded.event.id, notBeforeMs: firstEnd });
      await suite.env.sleep(HOUR + 60_000);
      expect(await handle.query(pricingQuery)).toMatchObject({ periods: 1, changes: 0, last: [{ direction: 'ON_PACE', oldPriceCents: 3000, newPriceCents: 3000 }] });
      await handle.terminate();
    });
    expect(await sectionPrice(suite.pool, seeded.event.id, seeded.gaSectionIds[0]!)).toBe(3000);
    expect(await changesOf(seeded.event.id)).toEqual([]);
    expect(await nextChangeAtMs(suite.pool, seeded.event.id)).toBe(firstEnd + HOUR);
  });

  test('when Redis is down at the end of a period, the workflow looks again later instead of failing, and the period is applied once Redis answers', async () => {
    const seeded = await seedEvent(suite.pool, {
      ga: [{ capacity: 100, price_cents: 3000 }],
      event: { pricing: demandPricing(3600, 10), on_sale_at: new Date(Date.now() - 5 * DAY), starts_at: new Date(Date.now() + 5 * DAY) },
    });
    await holdAsFan(suite.pool, { eventId: seeded.event.id, ga: [{ section_id: seeded.gaSectionIds[0]!, quantity: 50 }] });
    const firstEnd = (await nextChangeAtMs(suite.pool, seeded.event.id))!;
    const server = await startScratchRedis();
    const redis = createRedis({ REDIS_URL: server.url });
    try {
      await waitForRedis(redis);
      await server.stop();
      await withPricingWorker(suite.env, { pool: suite.pool, redis }, async (taskQueue) => {
        const handle = await startPricing(suite.env, taskQueue, { eventId: seeded.event.id, notBeforeMs: firstEnd });
        await suite.env.sleep(firstEnd - Date.now() + 1000);
        // The look's local activity gives up after its retries (wall-clock time): wait for that failure.
        const deadline = Date.now() + 30_000;
        while (!(await failedStep(handle)) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 250));
        expect(await failedStep(handle)).toBe(true);
        expect((await handle.describe()).status.name).toBe('RUNNING');
        await server.start();
        await suite.env.sleep(60_000);
        expect(await handle.query(pricingQuery)).toMatchObject({ periods: 1, last: [{ direction: 'ON_PACE' }] });
        await handle.terminate();
      });
    } finally {
      redis.disconnect();
      await server.remove();
    }
    expect(await nextChangeAtMs(suite.pool, seeded.event.id)).toBe(firstEnd + HOUR);
  }, 120_000);

  test("fans in the event's waiting room push a section's price up before anything is held", async () => {
    const seeded = await seedEvent(suite.pool, {
      ga: [{ capacity: 100, price_cents: 3000 }],
      event: { high_demand: true, pricing: demandPricing(3600, 10), on_sale_at: new Date(Date.now() - 5 * DAY), starts_at: new Date(Date.now() + 5 * DAY) },
    });
    // Half the window gone, nothing held, 80 fans in line for 100 places: 80% against 50%.
    await fansJoin(suite.redis, seeded.event.id, 80);
    const firstEnd = (await nextChangeAtMs(suite.pool, seeded.event.id))!;
    await withPricingWorker(suite.env, deps(), async (taskQueue) => {
      const handle = await startPricing(suite.env, taskQueue, { eventId: seeded.event.id, notBeforeMs: firstEnd });
      await suite.env.sleep(HOUR + 60_000);
      expect(await handle.query(pricingQuery)).toMatchObject({ periods: 1, changes: 1 });
      await handle.terminate();
    });
    const [change] = await changesOf(seeded.event.id);
    expect(change).toMatchObject({ old_price_cents: 3000, new_price_cents: 3300, step_percent: 10, sold: 0, held: 0, queue_waiting: 80 });
    expect(Number(change!.demand_share)).toBe(0.8);
  });

  test('it ends when the event starts, after the last period that ends before the start', async () => {
    const seeded = await seedEvent(suite.pool, {
      ga: [{ capacity: 10, price_cents: 1000, max_price_cents: 5000 }],
      event: { pricing: demandPricing(3600, 20), on_sale_at: new Date(Date.now() - 60_000), starts_at: new Date(Date.now() + 2.5 * HOUR) },
    });
    // All ten held from the start: up at every period end, by the cap while 20 points or more ahead
    // (1000 → 1200 at 40% of the window), then by the gap (19 points at 80%: 1200 → 1428).
    await holdAsFan(suite.pool, { eventId: seeded.event.id, ga: [{ section_id: seeded.gaSectionIds[0]!, quantity: 10 }] });
    const firstEnd = (await nextChangeAtMs(suite.pool, seeded.event.id))!;
    const outcome = await withPricingWorker(suite.env, deps(), async (taskQueue) => {
      const handle = await startPricing(suite.env, taskQueue, { eventId: seeded.event.id, notBeforeMs: firstEnd });
      return handle.result();
    });
    expect(outcome).toEqual({ phase: 'ENDED', reason: 'STARTED', periods: 2, changes: 2 });
    expect((await changesOf(seeded.event.id)).map((c) => [c.old_price_cents, c.new_price_cents])).toEqual([
      [1000, 1200],
      [1200, 1428],
    ]);
    expect(await nextChangeAtMs(suite.pool, seeded.event.id)).toBeNull();
  });

  test('it ends at its next look once the event is cancelled, without moving a price', async () => {
    const seeded = await lateSaleEvent();
    await holdAsFan(suite.pool, { eventId: seeded.event.id, seatIds: seeded.seatIds.slice(0, 29) });
    const firstEnd = (await nextChangeAtMs(suite.pool, seeded.event.id))!;
    await markEventCancelled(suite.pool, { eventId: seeded.event.id, reason: 'test' });
    const outcome = await withPricingWorker(suite.env, deps(), async (taskQueue) => {
      const handle = await startPricing(suite.env, taskQueue, { eventId: seeded.event.id, notBeforeMs: firstEnd });
      return handle.result();
    });
    expect(outcome).toEqual({ phase: 'ENDED', reason: 'CANCELLED', periods: 0, changes: 0 });
    expect(await changesOf(seeded.event.id)).toEqual([]);
    expect(await sectionPrice(suite.pool, seeded.event.id, seeded.seatedSectionIds[0]!)).toBe(5000);
    expect(await nextChangeAtMs(suite.pool, seeded.event.id)).toBeNull();
  });

  test('it continues as new before its history grows, carrying its counts, and keeps one period per change', async () => {
    const seeded = await seedEvent(suite.pool, {
      ga: [{ capacity: 10, price_cents: 1000, max_price_cents: 100_000 }],
      event: { pricing: demandPricing(3600, 5), on_sale_at: new Date(Date.now() - 60_000), starts_at: new Date(Date.now() + 30 * DAY) },
    });
    await holdAsFan(suite.pool, { eventId: seeded.event.id, ga: [{ section_id: seeded.gaSectionIds[0]!, quantity: 10 }] });
    const firstEnd = (await nextChangeAtMs(suite.pool, seeded.event.id))!;
    await withPricingWorker(suite.env, deps(), async (taskQueue) => {
      const handle = await startPricing(suite.env, taskQueue, { eventId: seeded.event.id, notBeforeMs: firstEnd, maxHistoryEvents: 20 });
      await suite.env.sleep(6 * HOUR + 60_000);
      const view = await handle.query(pricingQuery);
      expect(view.runs).toBeGreaterThan(1);
      expect(view).toMatchObject({ periods: 6, changes: 6 });
      await handle.terminate();
    });
    const changes = await changesOf(seeded.event.id);
    expect(changes.map((c) => c.period_at.getTime())).toEqual([0, 1, 2, 3, 4, 5].map((k) => firstEnd + k * HOUR));
    // 5% a period, to the cent below: 1000, 1050, 1102, 1157, 1214, 1274, 1337.
    expect(changes.map((c) => c.new_price_cents)).toEqual([1050, 1102, 1157, 1214, 1274, 1337]);
  });
});
