import type { Pool, PoolClient } from 'pg';

/**
 * Tools to stage an exact interleaving of transactions: a test takes a row lock itself, starts the
 * transactions under test, waits until PostgreSQL reports them queued behind it in the order it
 * wants, and then lets go.
 */
export async function holdRowLock(pool: Pool, sql: string, params: unknown[]): Promise<{ release(): Promise<void> }> {
  const client: PoolClient = await pool.connect();
  await client.query('BEGIN');
  await client.query(sql, params);
  return {
    async release() {
      await client.query('COMMIT');
      client.release();
    },
  };
}

/** Resolves once `count` backends of this database wait on a lock (held by a test, say). */
export async function waitForLockWaiters(pool: Pool, count: number, timeoutMs = 1500): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
    );
    if ((rows[0]?.n ?? 0) >= count) return;
    if (Date.now() > until) throw new Error(`expected ${count} transactions waiting on a lock, saw ${rows[0]?.n ?? 0}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Settles a promise into its value or its error, so a test can assert on either. */
export async function settle<T>(promise: Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  try {
    return { ok: true, value: await promise };
  } catch (error) {
    return { ok: false, error };
  }
}
