import { Client, Connection } from '@temporalio/client';
import type { Redis } from 'ioredis';
import type { Pool, PoolClient } from 'pg';
import type { Queryable } from '../../src/db/transaction';
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
    if (supervised) await pool?.query('DELETE FROM workflow_builds WHERE deployment_name = $1', [supervised.deploymentName]);
    await connection?.close();
    await pool?.end();
    redis?.disconnect();
  });

  test('the supervisor starts a new worker, which releases every hold that fell due while none ran: none lost, none early, lapsed ones on sale meanwhile', async () => {
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

    // Whether or not their releases have run yet, seats whose hold has lapsed are on sale again: the
    // map and the count of holds not yet released are read in one snapshot of the database, so the
    // map is shown to count as available seats whose hold had lapsed and was still HELD.
    const lastDeadline = Math.max(...held.map((h) => h.heldUntil));
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, lastDeadline + 200 - Date.now())));
    const { lapsedNotYetReleased, availableInMap } = await inOneSnapshot(pool, async (db) => ({
      lapsedNotYetReleased: await heldCount(db, event.id),
      availableInMap: (await getSeatMap(db, redis, event.id)).total_available,
    }));
    expect(lapsedNotYetReleased).toBeGreaterThan(0);
    expect(availableInMap).toBe(HOLDS);
    const outcomes = await Promise.all(held.map((h) => h.handle.result()));
    const doneAt = Date.now();

    expect(pendingAtKill).toBeGreaterThan(0);
    // Deadlines fell while no worker ran, and the holds due then were released by the new worker, after it polled.
    expect(dueWhileDown).toBeGreaterThan(0);
    const dueWhileDownIds = held.filter((h) => h.heldUntil > killedAt && h.heldUntil < backAt).map((h) => h.handle.workflowId.replace(/^reservation-/, ''));
    const { rows: releasedBeforeBack } = await pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM reservations WHERE id = ANY($1::uuid[]) AND (released_at IS NULL OR released_at < to_timestamp($2 / 1000.0))`,
      [dueWhileDownIds, backAt],
    );
    expect(releasedBeforeBack[0]!.n).toBe(0);
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

async function heldCount(db: Queryable, eventId: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM reservations WHERE event_id = $1 AND status = 'HELD'`, [eventId]);
  return rows[0]!.n;
}

/** Reads made in one REPEATABLE READ transaction: they all see the database at the same moment. */
async function inOneSnapshot<T>(pool: Pool, read: (db: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const result = await read(client);
    await client.query('COMMIT');
    return result;
  } finally {
    client.release();
  }
}
