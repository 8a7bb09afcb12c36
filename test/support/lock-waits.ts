import type { Pool, PoolClient } from 'pg';

/**
 * Tools to stage an exact interleaving of transactions: a test takes a row lock itself, starts the
 * transactions under test, waits until PostgreSQL reports them queued behind it in the order it
 * wants, and then lets go.
 */
/** The backends of this test file that hold a lock for it: only what waits behind them is counted. */
const holders = new Set<number>();

export async function holdRowLock(pool: Pool, sql: string, params: unknown[]): Promise<{ release(): Promise<void> }> {
  const client: PoolClient = await pool.connect();
  const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
  const pid = rows[0]!.pid;
  await client.query('BEGIN');
  await client.query(sql, params);
  holders.add(pid);
  return {
    async release() {
      holders.delete(pid);
      await client.query('COMMIT');
      client.release();
    },
  };
}

/**
 * Resolves once `count` backends wait, directly or behind another waiter, on a lock this file's test
 * holds. Other suites share the database and stage lock waits of their own at the same time, so a
 * count of every waiting backend could be reached before this test's transactions are queued.
 */
export async function waitForLockWaiters(pool: Pool, count: number, timeoutMs = 1500): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await pool.query<{ pid: number; blockers: number[] }>(
      `SELECT pid, pg_blocking_pids(pid) AS blockers FROM pg_stat_activity
        WHERE datname = current_database() AND wait_event_type = 'Lock'`,
    );
    const behindHolders = waitersBehind(holders, rows);
    if (behindHolders >= count) return;
    if (Date.now() > until) throw new Error(`expected ${count} transactions waiting on a lock, saw ${behindHolders}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** How many of the waiting backends are blocked by a holder, or by a backend that is (a queue behind a queue). */
function waitersBehind(heldBy: ReadonlySet<number>, waiting: Array<{ pid: number; blockers: number[] }>): number {
  const reached = new Set<number>(heldBy);
  let grew = true;
  while (grew) {
    grew = false;
    for (const w of waiting) {
      if (!reached.has(w.pid) && w.blockers.some((b) => reached.has(b))) {
        reached.add(w.pid);
        grew = true;
      }
    }
  }
  return reached.size - [...heldBy].filter((pid) => reached.has(pid)).length;
}

/** Settles a promise into its value or its error, so a test can assert on either. */
export async function settle<T>(promise: Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  try {
    return { ok: true, value: await promise };
  } catch (error) {
    return { ok: false, error };
  }
}
