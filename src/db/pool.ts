import { Pool, types } from 'pg';
import type { Config } from '../config';

// bigint counts (COUNT(*), SUM) fit in a JS number for anything this system sells.
types.setTypeParser(20, (value) => Number.parseInt(value, 10));

export function createPool(config: Pick<Config, 'DATABASE_URL' | 'DATABASE_POOL_SIZE' | 'DATABASE_STATEMENT_TIMEOUT_MS'>): Pool {
  const pool = new Pool({
    connectionString: config.DATABASE_URL,
    max: config.DATABASE_POOL_SIZE,
    connectionTimeoutMillis: 3000,
    idleTimeoutMillis: 30_000,
    statement_timeout: config.DATABASE_STATEMENT_TIMEOUT_MS,
    // A hold never waits long for a row lock: contention is answered, not queued.
    options: '-c lock_timeout=2000',
  });
  // An idle client that loses its server must not crash the process; the next query reports it.
  pool.on('error', () => undefined);
  return pool;
}
