import { Client, Connection } from '@temporalio/client';
import type { Pool } from 'pg';
import { createPool } from '../../src/db/pool';
import { holdEachSeat } from '../support/direct-holds';
import { testConfig } from '../support/env';
import { createUser, seedEvent } from '../support/fixtures';
import { describeLag, releasesOf } from '../support/release-lag';
import { startScratchTemporal } from '../support/scratch-temporal';
import { superviseWorker } from '../support/supervised-worker';

const HOLDS = 20;
const HOLD_SECONDS = 6;
const DOWN_PAST_DEADLINES_MS = 5_000;

/*
 * The Temporal server dies with holds sleeping on their timers (kill -9: no chance to tidy up), and is
 * started again on the same port after every deadline has passed: a server of the test's own on the
 * suite's engine (test/support/scratch-temporal.ts), the dev server with SQLite in a temporary
 * directory as `npm start` runs it, or the Temporal server on PostgreSQL. The worker is a real process
 * under the supervisor, as under `npm start`.
 */
describe('when the Temporal server is killed and restarted while holds are pending', () => {
  let temporal: Awaited<ReturnType<typeof startScratchTemporal>>;
  let pool: Pool;
  let supervised: ReturnType<typeof superviseWorker> | undefined;

  beforeAll(async () => {
    temporal = await startScratchTemporal();
  }, 90_000);
  afterAll(async () => {
    await supervised?.worker.stop();
    if (supervised) await pool?.query('DELETE FROM workflow_builds WHERE deployment_name = $1', [supervised.deploymentName]);
    await pool?.end();
    await temporal?.remove();
  });

  test('their timers survive: every hold falls due while the server is down and is released after it is back, none lost, none early', async () => {
    const config = testConfig({ TEMPORAL_ADDRESS: temporal.address });
    pool = createPool(config);
    const { event, seatIds } = await seedEvent(pool, { seated: [{ rows: 2, seats_per_row: HOLDS / 2 }] });
    const buyer = await createUser(pool);
    supervised = superviseWorker(config);
    await supervised.polling(1);

    let connection = await Connection.connect({ address: temporal.address });
    const held = await holdEachSeat(new Client({ connection }), config.TEMPORAL_TASK_QUEUE, { eventId: event.id, userId: buyer.id, seatIds, holdSeconds: HOLD_SECONDS });
    await connection.close();
    const lastDeadline = Math.max(...held.map((h) => h.heldUntil));

    await temporal.stop('SIGKILL');
    const stoppedAt = Date.now();
    await new Promise((resolve) => setTimeout(resolve, lastDeadline + DOWN_PAST_DEADLINES_MS - Date.now()));
    const restartedAt = Date.now();
    await temporal.start();
    const backAt = Date.now();

    connection = await Connection.connect({ address: temporal.address });
    const client = new Client({ connection });
    const outcomes = await Promise.all(held.map((h) => client.workflow.getHandle(h.handle.workflowId).result()));
    const doneAt = Date.now();
    await connection.close();

    expect(outcomes.map((o) => o.status)).toEqual(Array(HOLDS).fill('EXPIRED'));
    const releases = await releasesOf(pool, event.id);
    expect(releases).toMatchObject({ released: HOLDS, notReleased: 0, early: 0 });
    const { rows } = await pool.query(`SELECT count(*)::int AS n FROM seats WHERE event_id = $1 AND status <> 'AVAILABLE'`, [event.id]);
    expect(rows[0].n).toBe(0);
    expect(doneAt - backAt).toBeLessThan(45_000);
    // The outage contained every deadline (the server was killed before the first held_until and came
    // back after the last), and every release was made after it was started again: the timers outlived it.
    expect(stoppedAt).toBeLessThan(Math.min(...held.map((h) => h.heldUntil)));
    expect(restartedAt).toBeGreaterThan(lastDeadline);
    const { rows: releasedBeforeRestart } = await pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM reservations WHERE event_id = $1 AND (released_at IS NULL OR released_at < to_timestamp($2 / 1000.0))`,
      [event.id, restartedAt],
    );
    expect(releasedBeforeRestart[0]!.n).toBe(0);

    const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
    console.log(
      [
        `Temporal ${process.env.TEMPORAL_ENGINE === 'postgres' ? 'server (PostgreSQL)' : 'dev server'} killed -9 and back ${s(backAt - stoppedAt)} later, with ${HOLDS} holds pending (${s(backAt - lastDeadline)} past the last held_until);`,
        `  all ${HOLDS} released ${s(doneAt - backAt)} after it was back; release lag after held_until: ${describeLag(releases.lag)}`,
        `  worker: ${supervised.supervisorLines.length === 0 ? 'rode out the outage without a restart' : supervised.supervisorLines.join('; ')}`,
      ].join('\n'),
    );
  }, 120_000);
});
