import type { Pool } from 'pg';
import { summarize, type Percentiles } from '../../scripts/lib/bench-stats';

export interface Releases {
  /** Reservations of the event that were released (EXPIRED or CANCELLED). */
  released: number;
  /** Reservations still HELD (or anything else): a hold lost. */
  notReleased: number;
  /** Released before their held_until: never acceptable. */
  early: number;
  /** released_at − held_until, from the source of truth. */
  lag: Percentiles;
}

/** How the holds of an event were released, measured as the benchmark does: from released_at in PostgreSQL. */
export async function releasesOf(pool: Pool, eventId: string): Promise<Releases> {
  const { rows } = await pool.query<{ status: string; lag_ms: number | null }>(
    `SELECT status, extract(epoch FROM released_at - held_until) * 1000 AS lag_ms FROM reservations WHERE event_id = $1`,
    [eventId],
  );
  const lags = rows.flatMap((r) => (r.lag_ms === null ? [] : [Number(r.lag_ms)]));
  return {
    released: lags.length,
    notReleased: rows.length - lags.length,
    early: lags.filter((lag) => lag < 0).length,
    lag: summarize(lags),
  };
}

export function describeLag(lag: Percentiles): string {
  const s = (ms: number | null) => (ms === null ? '–' : `${(ms / 1000).toFixed(2)} s`);
  return `p50 ${s(lag.p50_ms)}, p95 ${s(lag.p95_ms)}, max ${s(lag.max_ms)}`;
}
