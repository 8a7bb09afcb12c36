import type { Pool } from 'pg';
import { Gauge, type Registry } from 'prom-client';
import { RECONCILIATION_CHECKS } from './reconciliation-checks';
import { latestReport } from './reconciliation-reports';

/**
 * Figures read from PostgreSQL at scrape time: the holds open now (the index on open reservations
 * makes this cheap), and the latest reconciliation report's findings per check (0 everywhere when the
 * inventory and the money add up).
 */
export function registerDatabaseGauges(registry: Registry, pool: Pool): void {
  new Gauge({
    name: 'ticketing_active_holds',
    help: 'reservations holding inventory now (HELD or PAYMENT_PENDING)',
    registers: [registry],
    async collect() {
      const holds = await whenReachable(countActiveHolds(pool));
      if (holds !== undefined) this.set(holds);
    },
  });
  const findings = new Gauge({
    name: 'ticketing_reconciliation_findings',
    help: 'findings of the latest reconciliation report, by check',
    labelNames: ['check'],
    registers: [registry],
    async collect() {
      const report = await whenReachable(latestReport(pool));
      if (report === undefined) return;
      for (const check of RECONCILIATION_CHECKS) findings.set({ check }, report?.counts[check] ?? 0);
    },
  });
  new Gauge({
    name: 'ticketing_reconciliation_last_run_timestamp_seconds',
    help: 'when the latest reconciliation report was written (0: never)',
    registers: [registry],
    async collect() {
      const report = await whenReachable(latestReport(pool));
      if (report !== undefined) this.set(report ? Date.parse(report.finished_at) / 1000 : 0);
    },
  });
}

async function countActiveHolds(pool: Pool): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM reservations WHERE status IN ('HELD', 'PAYMENT_PENDING')`);
  return rows[0]?.n ?? 0;
}

/** A scrape while PostgreSQL is down keeps the last values rather than failing the whole page. */
async function whenReachable<T>(query: Promise<T>): Promise<T | undefined> {
  try {
    return await query;
  } catch {
    return undefined;
  }
}
