import { randomUUID } from 'node:crypto';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { holdInventory } from '../../src/inventory/hold';
import { createRedis, waitForRedis } from '../../src/shared/clients';
import { fanPlace, joinQueue, roomInfo } from '../../src/waiting-room/queue';
import { reportHoldLatency } from '../../src/waiting-room/hold-latencies';
import { onSaleQuery, setOnSaleLimitsUpdate } from '../../src/workflows/on-sale-definitions';
import { createUser, seedEvent } from '../support/fixtures';
import { admissionOrder, fansJoin, startOnSale, testLimits, withOnSaleWorker } from '../support/on-sale-harness';
import { startScratchRedis } from '../support/scratch-redis';
import { failureCode, useTimeSkippingSuite } from '../support/workflow-harness';

const suite = useTimeSkippingSuite();
const deps = () => ({ pool: suite.pool, redis: suite.redis });

async function highDemandEvent(capacity = 5000) {
  return (await seedEvent(suite.pool, { ga: [{ capacity }], event: { high_demand: true } })).event;
}

/** Admission numbers follow join numbers exactly: the n-th fan to join is the n-th admitted. */
function expectStrictJoinOrder(order: Array<{ admissionNumber: number; joinNumber: number; userId: string }>): void {
  expect(new Set(order.map((o) => o.userId)).size).toBe(order.length);
  expect(order.map((o) => o.admissionNumber)).toEqual(order.map((_, i) => i + 1));
  const joins = order.map((o) => o.joinNumber);
  expect(joins).toEqual([...joins].sort((a, b) => a - b));
}

describe('admission in join order', () => {
  test('when 2,000 fans join at once, they are admitted strictly in join order and none twice, never more unfinished than the ceiling', async () => {
    const event = await highDemandEvent();
    const fans = await fansJoin(suite.redis, event.id, 2000);
    expect(new Set(fans.map((f) => f.joinNumber)).size).toBe(2000);
    const taskQueue = `on-sale-${randomUUID()}`;
    await withOnSaleWorker(suite.env, deps(), taskQueue, async () => {
      // 300 at a time, each with a 5-second window nobody uses: slots come free as windows lapse.
      const handle = await startOnSale(suite.env, taskQueue, { eventId: event.id, limits: testLimits({ maxActive: 300, maxAdmissionsPerSecond: 1000, admissionWindowSeconds: 5 }) });
      await suite.env.sleep(3_000);
      const early = await handle.query(onSaleQuery);
      expect(early.admittedTotal).toBe(300);
      expect(early.active).toBeLessThanOrEqual(300);
      await suite.env.sleep(60_000);
      const done = await handle.query(onSaleQuery);
      expect(done).toMatchObject({ admittedTotal: 2000, waiting: 0, phase: 'ADMITTING' });
      await handle.terminate();
    });
    const order = await admissionOrder(suite.redis, event.id);
    expect(order).toHaveLength(2000);
    expectStrictJoinOrder(order);
    const byJoin = new Map(fans.map((f) => [f.userId, f.joinNumber]));
    expect(order.map((o) => o.joinNumber)).toEqual(order.map((o) => byJoin.get(o.userId)));
    // Throughout the run, not at one moment: at every admission, the fans whose windows were open then
    // (nobody buys here, so nobody finished earlier). The ceiling is reached, and never passed.
    const unfinishedAt = (t: number): number => order.filter((o) => o.admittedAtMs <= t && o.expiresAtMs > t).length;
    const peaks = [...new Set(order.map((o) => o.admittedAtMs))].map(unfinishedAt);
    expect(peaks.length).toBeGreaterThan(6);
    expect(Math.max(...peaks)).toBe(300);
  });

  test('a fan who joins twice keeps the first place', async () => {
    const event = await highDemandEvent();
    const [first] = await fansJoin(suite.redis, event.id, 1);
    await fansJoin(suite.redis, event.id, 3);
    const again = await joinQueue(suite.redis, event.id, first!.userId, Date.now());
    expect(again).toMatchObject({ state: 'WAITING', position: 1, total: 4, joinNumber: first!.joinNumber });
  });

  test('admissions honour the maximum rate even when the ceiling has room', async () => {
    const event = await highDemandEvent();
    await fansJoin(suite.redis, event.id, 50);
    const taskQueue = `on-sale-${randomUUID()}`;
    await withOnSaleWorker(suite.env, deps(), taskQueue, async () => {
      const handle = await startOnSale(suite.env, taskQueue, { eventId: event.id, limits: testLimits({ maxActive: 1000, maxAdmissionsPerSecond: 2 }) });
      await suite.env.sleep(10_500);
      const view = await handle.query(onSaleQuery);
      // Ten ticks at two a second (the first tick has no budget yet): never more than the rate allows.
      expect(view.admittedTotal).toBeGreaterThan(0);
      expect(view.admittedTotal).toBeLessThanOrEqual(2 * 11);
      expect(view.admissionRatePerSecond).toBeLessThanOrEqual(2);
      await handle.terminate();
    });
  });
});

describe('slots come free as fans finish', () => {
  test('a fan who never uses the token loses the slot when the window lapses, and the next fan is admitted', async () => {
    const event = await highDemandEvent();
    const [idle, next] = await fansJoin(suite.redis, event.id, 2);
    const taskQueue = `on-sale-${randomUUID()}`;
    await withOnSaleWorker(suite.env, deps(), taskQueue, async () => {
      const handle = await startOnSale(suite.env, taskQueue, { eventId: event.id, limits: testLimits({ maxActive: 1, admissionWindowSeconds: 60 }) });
      await suite.env.sleep(3_000);
      expect((await fanPlace(suite.redis, event.id, idle!.userId, Date.now())).state).toBe('ADMITTED');
      await suite.env.sleep(30_000);
      expect(await fanPlace(suite.redis, event.id, next!.userId, Date.now())).toMatchObject({ state: 'WAITING', position: 1 });
      await suite.env.sleep(35_000);
      expect((await fanPlace(suite.redis, event.id, next!.userId, Date.now())).state).toBe('ADMITTED');
      expect(await handle.query(onSaleQuery)).toMatchObject({ admittedTotal: 2, finishedTotal: 1 });
      await handle.terminate();
    });
  });
});

describe('sold out', () => {
  test('while everything left is held admissions pause; once all is sold waiting fans keep their places and read SOLD_OUT; a refund brings a ticket back and the next fan is admitted; the room closes when the event is cancelled', async () => {
    const seeded = await seedEvent(suite.pool, { ga: [{ capacity: 2 }], event: { high_demand: true } });
    const event = seeded.event;
    const buyer = await createUser(suite.pool);
    await joinQueue(suite.redis, event.id, buyer.id, Date.now());
    const waiting = await fansJoin(suite.redis, event.id, 3);
    const taskQueue = `on-sale-${randomUUID()}`;
    await withOnSaleWorker(suite.env, deps(), taskQueue, async () => {
      const handle = await startOnSale(suite.env, taskQueue, { eventId: event.id, limits: testLimits({ maxActive: 1, admissionWindowSeconds: 600 }) });
      await suite.env.sleep(2_000);
      expect((await fanPlace(suite.redis, event.id, buyer.id, Date.now())).state).toBe('ADMITTED');
      const reservationId = randomUUID();
      await holdInventory(suite.pool, {
        reservationId, eventId: event.id, userId: buyer.id, seatIds: [], ga: [{ section_id: seeded.gaSectionIds[0]!, quantity: 2 }],
        heldUntil: new Date(Date.now() + 600_000), maxExtensions: 0, idempotencyKey: null,
      });
      // The buyer is still shopping and nothing is left: nobody else is let in.
      await suite.env.sleep(5_000);
      expect(await handle.query(onSaleQuery)).toMatchObject({ phase: 'PAUSED_NO_INVENTORY', admittedTotal: 1, available: 0, held: 2 });
      // The buyer pays: everything is sold.
      await suite.pool.query(`UPDATE ga_holds SET status = 'SOLD' WHERE reservation_id = $1`, [reservationId]);
      await suite.pool.query(`UPDATE ga_inventory SET held = 0, sold = 2 WHERE event_id = $1`, [event.id]);
      await suite.pool.query(`UPDATE reservations SET status = 'CONFIRMED', confirmed_at = now() WHERE id = $1`, [reservationId]);
      await suite.env.sleep(10_000);
      expect(await handle.query(onSaleQuery)).toMatchObject({ phase: 'SOLD_OUT', admittedTotal: 1 });
      for (const fan of waiting) expect((await fanPlace(suite.redis, event.id, fan.userId, Date.now())).state).toBe('SOLD_OUT');
      // A fan who comes now still gets a place behind them (tickets may come back).
      const late = randomUUID();
      expect((await joinQueue(suite.redis, event.id, late, Date.now())).state).toBe('SOLD_OUT');
      // A refund puts one ticket back on sale: the first fan waiting is admitted, the others wait again.
      await suite.pool.query(`UPDATE ga_inventory SET sold = 1 WHERE event_id = $1`, [event.id]);
      await suite.env.sleep(10_000);
      expect((await fanPlace(suite.redis, event.id, waiting[0]!.userId, Date.now())).state).toBe('ADMITTED');
      expect(await fanPlace(suite.redis, event.id, waiting[1]!.userId, Date.now())).toMatchObject({ state: 'WAITING', position: 1 });
      // The event is cancelled: the room closes and the run ends.
      await suite.pool.query(`UPDATE events SET status = 'CANCELLED', cancelled_at = now() WHERE id = $1`, [event.id]);
      expect(await handle.result()).toMatchObject({ phase: 'CLOSED', admittedTotal: 2 });
      expect((await fanPlace(suite.redis, event.id, late, Date.now())).state).toBe('CLOSED');
    });
    expect((await admissionOrder(suite.redis, event.id)).map((a) => a.userId)).toEqual([buyer.id, waiting[0]!.userId]);
  });
});

describe('the admission rate follows what admitted fans see', () => {
  test('while their holds answer slowly the rate is cut at once, down to its minimum; once they answer in time it climbs again step by step', async () => {
    const event = await highDemandEvent();
    await fansJoin(suite.redis, event.id, 1000);
    const taskQueue = `on-sale-${randomUUID()}`;
    await withOnSaleWorker(suite.env, deps(), taskQueue, async () => {
      const handle = await startOnSale(suite.env, taskQueue, {
        eventId: event.id,
        initialAdmissionsPerSecond: 8,
        limits: testLimits({ maxActive: 100_000, maxAdmissionsPerSecond: 40, admissionWindowSeconds: 600, targetHoldP95Ms: 100 }),
      });
      const tick = async (holdMs: number): Promise<number> => {
        for (let i = 0; i < 10; i++) reportHoldLatency(suite.redis, event.id, holdMs);
        await suite.redis.ping(); // the reports are on the wire before the next look
        await suite.env.sleep(1_000);
        return (await handle.query(onSaleQuery)).admissionRateLimitPerSecond;
      };
      await suite.env.sleep(1_500);
      const slow: number[] = [];
      for (let i = 0; i < 6; i++) slow.push(await tick(400));
      // Each slow look cuts it (x0.7), never below the minimum.
      expect(slow[slow.length - 1]).toBeLessThan(2);
      for (let i = 1; i < slow.length; i++) expect(slow[i]!).toBeLessThanOrEqual(slow[i - 1]!);
      const fast: number[] = [];
      for (let i = 0; i < 6; i++) fast.push(await tick(20));
      // Good news raises it by a step per second, not all at once.
      for (let i = 1; i < fast.length; i++) expect(fast[i]!).toBeGreaterThan(fast[i - 1]!);
      expect(fast[fast.length - 1]! - fast[0]!).toBeLessThan(6);
      expect((await handle.query(onSaleQuery)).holdP95Ms).toBe(20);
      await handle.terminate();
    });
  });
});

describe('the admission rate of a slow room', () => {
  test('when fewer holds than the rule needs come in each second, they add up until there are enough, and the rate still climbs on good news', async () => {
    const event = await highDemandEvent();
    await fansJoin(suite.redis, event.id, 1000);
    const taskQueue = `on-sale-${randomUUID()}`;
    await withOnSaleWorker(suite.env, deps(), taskQueue, async () => {
      const handle = await startOnSale(suite.env, taskQueue, {
        eventId: event.id,
        initialAdmissionsPerSecond: 2,
        limits: testLimits({ maxActive: 100_000, maxAdmissionsPerSecond: 40, admissionWindowSeconds: 600, targetHoldP95Ms: 100 }),
      });
      await suite.env.sleep(1_500);
      const rates: number[] = [];
      for (let i = 0; i < 8; i++) {
        // Two fast holds a second: fewer than the five the rule judges by.
        for (let j = 0; j < 2; j++) reportHoldLatency(suite.redis, event.id, 20);
        await suite.redis.ping();
        await suite.env.sleep(1_000);
        rates.push((await handle.query(onSaleQuery)).admissionRateLimitPerSecond);
      }
      expect(rates[rates.length - 1]!).toBeGreaterThan(rates[0]!);
      const view = await handle.query(onSaleQuery);
      expect(view.holdP95Ms).toBe(20);
      await handle.terminate();
    });
  });
});

describe('the pre-queue', () => {
  test('fans who join before the sale opens are placed in a random order at opening, all ahead of anyone who joins later; arriving early earns nothing', async () => {
    const opensAt = new Date(Date.now() + 60_000);
    const event = (await seedEvent(suite.pool, { ga: [{ capacity: 5000 }], event: { high_demand: true, on_sale_at: opensAt } })).event;
    const early = Array.from({ length: 30 }, () => randomUUID());
    // One at a time, so their arrival order is known: it must not be the order they are placed in.
    for (const fan of early) {
      expect(await joinQueue(suite.redis, event.id, fan, Date.now(), opensAt.getTime())).toEqual({ state: 'PRE_QUEUE', opensAtMs: opensAt.getTime() });
    }
    expect(await fanPlace(suite.redis, event.id, early[0]!, Date.now(), opensAt.getTime())).toMatchObject({ state: 'PRE_QUEUE' });
    const taskQueue = `on-sale-${randomUUID()}`;
    await withOnSaleWorker(suite.env, deps(), taskQueue, async () => {
      const handle = await startOnSale(suite.env, taskQueue, { eventId: event.id, limits: testLimits({ maxActive: 1, admissionWindowSeconds: 600 }) });
      await suite.env.sleep(5_000);
      expect(await handle.query(onSaleQuery)).toMatchObject({ phase: 'BEFORE_SALE', admittedTotal: 0 });
      // The sale opens (workflow time); the pre-queue is placed before the first admission.
      await suite.env.sleep(60_000);
      const later = await fansJoin(suite.redis, event.id, 3);
      const places = await Promise.all(early.map((fan) => fanPlace(suite.redis, event.id, fan, Date.now(), opensAt.getTime())));
      const numbers = places.map((p) => (p.state === 'WAITING' ? p.joinNumber : p.state === 'ADMITTED' ? p.admission.joinNumber : NaN));
      // Queue numbers 1..30 for the pre-queue, in an order that is not the order they arrived in.
      expect([...numbers].sort((a, b) => a - b)).toEqual(early.map((_, i) => i + 1));
      expect(numbers).not.toEqual(early.map((_, i) => i + 1));
      // Later joiners come after every one of them.
      expect(later.map((l) => l.joinNumber)).toEqual([31, 32, 33]);
      const first = (await admissionOrder(suite.redis, event.id))[0]!;
      expect(early).toContain(first.userId);
      expect(first.joinNumber).toBe(1);
    });
  });
});

describe('durability and operations', () => {
  test('the on-sale continues as new before its history grows large, carrying its counters', async () => {
    const event = await highDemandEvent();
    await fansJoin(suite.redis, event.id, 40);
    const taskQueue = `on-sale-${randomUUID()}`;
    await withOnSaleWorker(suite.env, deps(), taskQueue, async () => {
      const handle = await startOnSale(suite.env, taskQueue, { eventId: event.id, maxHistoryEvents: 40, limits: testLimits({ maxActive: 5, admissionWindowSeconds: 2 }) });
      await suite.env.sleep(30_000);
      const view = await handle.query(onSaleQuery);
      expect(view.runs).toBeGreaterThan(2);
      expect(view.admittedTotal).toBe(40);
      expect((await handle.fetchHistory()).events?.length).toBeLessThanOrEqual(60);
      await handle.terminate();
    });
    expectStrictJoinOrder(await admissionOrder(suite.redis, event.id));
  });

  test('when Redis is down as the sale ends, the on-sale keeps telling fans CLOSED, continuing as new before its history grows large, and ends once Redis answers', async () => {
    const event = await highDemandEvent();
    const server = await startScratchRedis();
    const redis = createRedis({ REDIS_URL: server.url });
    try {
      await waitForRedis(redis);
      await server.stop();
      const taskQueue = `on-sale-${randomUUID()}`;
      await withOnSaleWorker(suite.env, { pool: suite.pool, redis }, taskQueue, async () => {
        const handle = await startOnSale(suite.env, taskQueue, { eventId: event.id, closing: true, maxHistoryEvents: 20, limits: testLimits() });
        // Awaiting the result lets the test server skip the ticks' timers; the failing publishes retry in
        // wall-clock time. The runs are counted from the server (a query would wait for the worker's task).
        const result = handle.result();
        result.catch(() => undefined); // awaited below; a failed run is reported by the checks first
        const runs = new Set<string>();
        const deadline = Date.now() + 90_000;
        while (runs.size < 3 && Date.now() < deadline) {
          runs.add((await handle.describe()).runId);
          await new Promise((resolve) => setTimeout(resolve, 250));
        }
        expect(runs.size).toBeGreaterThanOrEqual(3);
        expect((await handle.describe()).status.name).toBe('RUNNING');
        expect((await handle.fetchHistory()).events?.length).toBeLessThanOrEqual(40);
        await server.start();
        expect(await result).toMatchObject({ phase: 'CLOSED' });
      });
      expect(await roomInfo(redis, event.id)).toMatchObject({ state: 'CLOSED' });
    } finally {
      redis.disconnect();
      await server.remove();
    }
  }, 150_000);

  test('an operator can raise the ceiling while the sale runs; impossible limits are refused by the validator and leave no trace in the history', async () => {
    const event = await highDemandEvent();
    await fansJoin(suite.redis, event.id, 10);
    const taskQueue = `on-sale-${randomUUID()}`;
    await withOnSaleWorker(suite.env, deps(), taskQueue, async () => {
      const handle = await startOnSale(suite.env, taskQueue, { eventId: event.id, limits: testLimits({ maxActive: 2, admissionWindowSeconds: 600 }) });
      await suite.env.sleep(3_000);
      expect((await handle.query(onSaleQuery)).admittedTotal).toBe(2);
      const length = (await handle.fetchHistory()).events?.length;
      const refused = await handle.executeUpdate(setOnSaleLimitsUpdate, { args: [{ maxActive: 0 }] }).catch((err: unknown) => err);
      expect(refused).toBeInstanceOf(WorkflowUpdateFailedError);
      expect(failureCode(refused)).toBe('VALIDATION_ERROR');
      const types = (JSON.parse(historyToJSON(await handle.fetchHistory())) as { events: Array<{ eventType: string }> }).events.map((e) => e.eventType);
      expect(types.filter((t) => t.includes('UPDATE'))).toEqual([]);
      expect(types.length).toBeGreaterThanOrEqual(length ?? 0);
      expect(await handle.executeUpdate(setOnSaleLimitsUpdate, { args: [{ maxActive: 10 }] })).toMatchObject({ limits: { maxActive: 10 } });
      await suite.env.sleep(3_000);
      expect((await handle.query(onSaleQuery)).admittedTotal).toBe(10);
      await handle.terminate();
    });
  });
  test('the on-sale survives a worker restart mid-sale: admissions go on in join order, none twice', async () => {
    const event = await highDemandEvent();
    const fans = await fansJoin(suite.redis, event.id, 120);
    const taskQueue = `on-sale-${randomUUID()}`;
    const input = { eventId: event.id, limits: testLimits({ maxActive: 10, maxAdmissionsPerSecond: 1000, admissionWindowSeconds: 2 }) };
    const handle = await withOnSaleWorker(suite.env, deps(), taskQueue, async () => {
      const started = await startOnSale(suite.env, taskQueue, input);
      await suite.env.sleep(10_000);
      return started;
    }, { sticky: false });
    const before = (await admissionOrder(suite.redis, event.id)).length;
    expect(before).toBeGreaterThan(0);
    expect(before).toBeLessThan(120);
    // No worker for a while: the sale waits, nothing is lost. Then a new worker takes over.
    await suite.env.sleep(5_000);
    await withOnSaleWorker(suite.env, deps(), taskQueue, async () => {
      await suite.env.sleep(60_000);
      expect((await handle.query(onSaleQuery)).admittedTotal).toBe(120);
      // The room reads SOLD_OUT once everything is sold, and closes when the event starts, with the new worker.
      await suite.pool.query('UPDATE ga_inventory SET sold = capacity WHERE event_id = $1', [event.id]);
      await suite.env.sleep(10_000);
      expect(await handle.query(onSaleQuery)).toMatchObject({ phase: 'SOLD_OUT', admittedTotal: 120 });
      await suite.pool.query(`UPDATE events SET starts_at = now() WHERE id = $1`, [event.id]);
      expect(await handle.result()).toMatchObject({ phase: 'CLOSED', admittedTotal: 120 });
    }, { sticky: false });
    const order = await admissionOrder(suite.redis, event.id);
    expect(order.map((o) => o.userId).sort()).toEqual(fans.map((f) => f.userId).sort());
    expectStrictJoinOrder(order);
  }, 180_000);
});
