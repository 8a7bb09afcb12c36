import type { Pool, PoolClient } from 'pg';

export type Queryable = Pick<PoolClient, 'query'>;

/** Runs fn in one transaction: committed if it returns, rolled back if it throws. */
export async function withTransaction<T>(pool: Pool, fn: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  const lost = watchConnection(client);
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    lost.release();
  }
}

/**
 * A checked-out client whose connection the server ends between two statements (a restart, an
 * operator's pg_terminate_backend) emits 'error'; with nobody listening that would crash the process.
 * The next statement fails with it anyway; the broken client is then destroyed, not pooled again.
 */
export function watchConnection(client: PoolClient): { release(): void } {
  let lostWith: Error | undefined;
  const onError = (err: Error): void => {
    lostWith = err;
  };
  client.on('error', onError);
  return {
    release: () => {
      client.off('error', onError);
      client.release(lostWith);
    },
  };
}
