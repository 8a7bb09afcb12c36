import { Client, Connection } from '@temporalio/client';
import type { Redis } from 'ioredis';
import type { Pool } from 'pg';
import { cancelOpenWorkflows } from '../../scripts/lib/temporal-cleanup';
import { getSeatMap } from '../../src/inventory/seat-map-cache';
import { createPool } from '../../src/db/pool';
import { createRedis } from '../../src/shared/clients';
import { holdEachSeat } from '../support/direct-holds';
import { testConfig } from '../support/env';
import { createUser, seedEvent } from '../support/fixtures';
import { describeLag, releasesOf } from '../support/release-lag';
import { superviseWorker } from '../support/supervised-worker';

const HOLDS = 50;
/** Short enough that the deadlines fall while no worker runs: a restart takes a few seconds. */
const HOLD_SECONDS = 3;

/*
 * A crash, for real: the worker is a process of its own under the supervisor `npm start` uses (with its
 * backoff), on a task queue of its own, against the suite's servers; the test kills it with SIGKILL
 * while 50 holds wait on their timers.
 */
describe('when the worker is killed with -9 while 50 short holds are pending', () => {
  const config = testConfig();
  let pool: Pool;
  let redis: Redis;
  let connection: Connection;
  let supervised: ReturnType<typeof superviseWorker>;

  beforeAll(async () => {
    pool = createPool(config);
    redis = createRedis(config);
    connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
  });
  afterAll(async () => {
    await cancelOpenWorkflows(config.TEMPORAL_ADDRESS, config.TEMPORAL_NAMESPACE, config.TEMPORAL_TASK_QUEUE).catch(() => 0);
    await supervised?.worker.stop();
    await connection?.close();
    await pool?.end();
    redis?.disconnect();
  });

  test('the supervisor starts a new worker, which releases every hold: none lost, none early', async () => {
    const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
    const { event, seatIds } = await seedEvent(pool, { seated: [{ rows: 5, seats_per_row: HOLDS / 5 }] });
    const buyer = await createUser(pool);
    supervised = superviseWorker(config); // npm start's backoff: the first restart after 1 s
    await supervised.polling(1);

    const held = await holdEachSeat(client, config.TEMPORAL_TASK_QUEUE, { eventId: event.id, userId: buyer.id, seatIds, holdSeconds: HOLD_SECONDS });
    const pendingAtKill = await heldCount(pool, event.id);
    const killedAt = Date.now();
    supervised.worker.current()!.kill('SIGKILL');

    await supervised.polling(2);
    const backAt = Date.now();
    const dueWhileDown = held.filter((h) => h.heldUntil > killedAt && h.heldUntil < backAt).length;

    // Whether or not their releases have run yet, seats whose hold has lapsed are on sale again.
    const lastDeadline = Math.max(...held.map((h) => h.heldUntil));
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, lastDeadline + 200 - Date.now())));
    const lapsedNotYetReleased = await heldCount(pool, event.id);
    expect((await getSeatMap(pool, redis, event.id)).total_available).toBe(HOLDS);
    const outcomes = await Promise.all(held.map((h) => h.handle.result()));
    const doneAt = Date.now();

    expect(pendingAtKill).toBeGreaterThan(0);
    expect(outcomes.map((o) => o.status)).toEqual(Array(HOLDS).fill('EXPIRED'));
    expect(supervised.supervisorLines[0]).toMatch(/^worker was killed by SIGKILL after .*; restarting it in 1\.0 s$/);
    const releases = await releasesOf(pool, event.id);
    expect(releases).toMatchObject({ released: HOLDS, notReleased: 0, early: 0 });
    expect(await heldCount(pool, event.id)).toBe(0);
    const { rows } = await pool.query(`SELECT count(*)::int AS n FROM seats WHERE event_id = $1 AND status <> 'AVAILABLE'`, [event.id]);
    expect(rows[0].n).toBe(0);
    // Generous: the machine is shared. What bounds it is the restart, then Temporal's sticky queue: a
    // timer that fires soon after the crash is first offered to the dead worker, for up to 10 s
    // (stickyQueueScheduleToStartTimeout), before any worker may take it.
    expect(releases.lag.max_ms).toBeLessThan(45_000);

    const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
    console.log(
      [
        `worker killed -9 with ${pendingAtKill} of ${HOLDS} holds pending; a new worker polled ${s(backAt - killedAt)} later`,
        `  (${dueWhileDown} held_until deadlines fell while no worker ran); all ${HOLDS} released ${s(doneAt - killedAt)} after the kill;`,
        `  release lag after held_until: ${describeLag(releases.lag)}`,
        `  (once every held_until had passed, ${lapsedNotYetReleased} releases were still to run, and the seat map showed all ${HOLDS} seats available)`,
      ].join('\n'),
    );
  }, 120_000);
});

async function heldCount(pool: Pool, eventId: string): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM reservations WHERE event_id = $1 AND status = 'HELD'`, [eventId]);
  return rows[0]!.n;
}
