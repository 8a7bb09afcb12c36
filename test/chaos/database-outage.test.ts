import { Client, Connection } from '@temporalio/client';
import type { Redis } from 'ioredis';
import type { Pool } from 'pg';
import { migrate } from '../../src/db/migrate';
import { createPool } from '../../src/db/pool';
import { createSimulatedProvider } from '../../src/payments/simulated-provider';
import { createRedis } from '../../src/shared/clients';
import { createWorker } from '../../src/workers/create-worker';
import { holdEachSeat } from '../support/direct-holds';
import { quietTemporalRuntime, testConfig, testTicketKeys, workflowBundle } from '../support/env';
import { createUser, seedEvent } from '../support/fixtures';
import { inventoryDiscrepancies } from '../support/inventory-invariants';
import { describeLag, releasesOf } from '../support/release-lag';
import { startScratchPostgres } from '../support/scratch-postgres';

quietTemporalRuntime();

const HOLDS = 20;
const HOLD_SECONDS = 6;
/** The deadlines are spread over this long, so the holds' release retries are out of step (below). */
const DEADLINE_SPREAD_SECONDS = 15;
const OUTAGE_PAST_DEADLINE_MS = 20_000;

/*
 * A real outage: the worker's PostgreSQL server (one of this test's own) is stopped while 20 holds
 * fall due, and started again well after their deadlines. Every due release must then finish within
 * seconds (the retry interval is capped), not after a backoff that grew during the outage.
 * A backoff left to grow is retrying 13 to 20 s apart by the restart (from 200 ms, doubling, up to
 * Temporal's default cap of 100 times that); with every deadline at the same moment all holds would
 * retry in step, and a restart just before their next attempt would hide it. Spread over 15 s, some
 * hold has just tried when the database comes back and would wait most of an interval.
 */
describe('when PostgreSQL is down while holds fall due', () => {
  let postgres: Awaited<ReturnType<typeof startScratchPostgres>>;
  let pool: Pool;
  let redis: Redis;

  beforeAll(async () => {
    postgres = await startScratchPostgres();
    pool = createPool({ DATABASE_URL: postgres.url, DATABASE_POOL_SIZE: 10, DATABASE_STATEMENT_TIMEOUT_MS: 5000 });
    await migrate(pool);
    redis = createRedis(testConfig());
  });
  afterAll(async () => {
    await pool?.end();
    redis?.disconnect();
    await postgres?.remove();
  });

  test('every hold falls due during the outage and is released within seconds of the database coming back, none is lost and none released early', async () => {
    const config = testConfig({ DATABASE_URL: postgres.url });
    const { event, seatIds } = await seedEvent(pool, { seated: [{ rows: 2, seats_per_row: HOLDS / 2 }] });
    const buyer = await createUser(pool);
    const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
    const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
    const { worker, connection: workerConnection } = await createWorker({
      config,
      pool,
      redis,
      payments: createSimulatedProvider(redis),
      ticketKeys: testTicketKeys(),
      temporal: client,
      workflowBundle: workflowBundle(),
    });

    let stoppingAt = 0;
    let restartedAt = 0;
    const { held, back } = await worker.runUntil(async () => {
      const held = (
        await Promise.all(
          seatIds.slice(0, HOLDS).map((seatId, i) =>
            holdEachSeat(client, config.TEMPORAL_TASK_QUEUE, {
              eventId: event.id,
              userId: buyer.id,
              seatIds: [seatId],
              holdSeconds: HOLD_SECONDS + Math.floor((i * DEADLINE_SPREAD_SECONDS) / HOLDS),
            }),
          ),
        )
      ).flat();
      const lastDeadline = Math.max(...held.map((h) => h.heldUntil));

      stoppingAt = Date.now();
      await postgres.stop();
      await new Promise((resolve) => setTimeout(resolve, lastDeadline + OUTAGE_PAST_DEADLINE_MS - Date.now()));
      restartedAt = Date.now();
      await postgres.start();
      const back = Date.now();

      const outcomes = await Promise.all(held.map((h) => h.handle.result()));
      expect(outcomes.map((o) => o.status)).toEqual(Array(HOLDS).fill('EXPIRED'));
      return { held, back };
    });
    await connection.close();
    await workerConnection.close();

    const { rows: lags } = await pool.query<{ released_after_restart_ms: number }>(
      `SELECT extract(epoch FROM released_at) * 1000 - $2 AS released_after_restart_ms FROM reservations WHERE event_id = $1`,
      [event.id, back],
    );
    expect(lags).toHaveLength(HOLDS);
    const releases = await releasesOf(pool, event.id);
    expect(releases).toMatchObject({ released: HOLDS, notReleased: 0, early: 0 });
    const worst = Math.max(...lags.map((r) => Number(r.released_after_restart_ms)));
    const first = Math.min(...lags.map((r) => Number(r.released_after_restart_ms)));
    // The outage contained every deadline (the server was being stopped before the first held_until and
    // started again after the last), and every release came after that: none ran before the outage.
    expect(stoppingAt).toBeLessThan(Math.min(...held.map((h) => h.heldUntil)));
    expect(restartedAt).toBeGreaterThan(Math.max(...held.map((h) => h.heldUntil)));
    const { rows: releasedBeforeRestart } = await pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM reservations WHERE event_id = $1 AND (released_at IS NULL OR released_at < to_timestamp($2 / 1000.0))`,
      [event.id, restartedAt],
    );
    expect(releasedBeforeRestart[0]!.n).toBe(0);
    // At most the capped retry interval (2 s) plus the work; bounded generously for a shared machine.
    // A backoff left to grow would leave some hold waiting for its next attempt 10 s or more after the
    // restart (the deadlines are spread, above).
    expect(worst).toBeLessThan(8_000);
    const { rows } = await pool.query(`SELECT count(*)::int AS n FROM seats WHERE event_id = $1 AND status <> 'AVAILABLE'`, [event.id]);
    expect(rows[0].n).toBe(0);
    expect(await inventoryDiscrepancies(pool, event.id)).toEqual([]);
    const lastDeadline = Math.max(...held.map((h) => h.heldUntil));
    console.log(
      [
        `PostgreSQL stopped with ${HOLDS} holds pending and started again ${((back - lastDeadline) / 1000).toFixed(1)} s past the last held_until;`,
        `  all ${HOLDS} released ${Math.round(first)}–${Math.round(worst)} ms after it came back; release lag after held_until: ${describeLag(releases.lag)}`,
      ].join('\n'),
    );
  }, 120_000);
});
