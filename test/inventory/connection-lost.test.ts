import type { Pool } from 'pg';
import { createPool } from '../../src/db/pool';
import { withTransaction } from '../../src/db/transaction';
import { testConfig } from '../support/env';

/*
 * PostgreSQL restarted under a worker (helper runs of the cancel-event bench saw it): a connection
 * ended between two statements of a transaction used to emit an 'error' nobody listened to, and the
 * worker process died with it.
 */
describe('when PostgreSQL ends a connection in the middle of a transaction', () => {
  let pool: Pool;
  let admin: Pool;
  beforeAll(() => {
    pool = createPool(testConfig({ DATABASE_POOL_SIZE: '2' }));
    admin = createPool(testConfig({ DATABASE_POOL_SIZE: '1' }));
  });
  afterAll(async () => {
    await pool?.end();
    await admin?.end();
  });

  test('the transaction fails with the lost connection, the process carries on, and the pool serves the next one on a new connection', async () => {
    const uncaught: unknown[] = [];
    const onUncaught = (err: unknown): void => {
      uncaught.push(err);
    };
    process.on('uncaughtException', onUncaught);
    try {
      let killedPid = 0;
      const attempt = withTransaction(pool, async (client) => {
        const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
        killedPid = rows[0]!.pid;
        // Between two statements, as when an activity awaits something else mid-transaction.
        await admin.query('SELECT pg_terminate_backend($1)', [killedPid]);
        await new Promise((resolve) => setTimeout(resolve, 200));
        await client.query('SELECT 1');
      });
      await expect(attempt).rejects.toThrow();
      expect(uncaught).toEqual([]);

      const next = await withTransaction(pool, async (client) => (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid);
      expect(next).not.toBe(killedPid);
    } finally {
      process.off('uncaughtException', onUncaught);
    }
  });
});
