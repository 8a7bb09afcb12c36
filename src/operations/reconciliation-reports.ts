import type { Pool } from 'pg';
import type { Finding, ReconciliationCheck } from './reconciliation-checks';

export interface ReconciliationReport {
  id: string;
  workflow_id: string;
  run_id: string;
  trigger: 'SCHEDULE' | 'MANUAL';
  /** The one event checked, or null for all. */
  event_id: string | null;
  status: 'OK' | 'FINDINGS';
  started_at: string;
  finished_at: string;
  events_checked: number;
  findings_count: number;
  counts: Record<ReconciliationCheck, number>;
  /** At most a few hundred per check; the counts are exact. */
  findings: Finding[];
}

export type NewReport = Omit<ReconciliationReport, 'id' | 'status' | 'finished_at'>;

/** Stores a run's report once (a retried store of the same run writes nothing more); returns its id. */
export async function storeReport(pool: Pool, report: NewReport): Promise<string> {
  await pool.query(
    `INSERT INTO reconciliation_reports (workflow_id, run_id, trigger, event_id, started_at, events_checked, findings_count, counts, findings)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (run_id) DO NOTHING`,
    [
      report.workflow_id,
      report.run_id,
      report.trigger,
      report.event_id,
      report.started_at,
      report.events_checked,
      report.findings_count,
      JSON.stringify(report.counts),
      JSON.stringify(report.findings),
    ],
  );
  const { rows } = await pool.query<{ id: string }>('SELECT id FROM reconciliation_reports WHERE run_id = $1', [report.run_id]);
  if (!rows[0]) throw new Error(`report of run ${report.run_id} vanished`);
  return rows[0].id;
}

export async function latestReport(pool: Pick<Pool, 'query'>): Promise<ReconciliationReport | null> {
  const { rows } = await pool.query<Omit<ReconciliationReport, 'status' | 'started_at' | 'finished_at'> & { started_at: Date; finished_at: Date }>(
    `SELECT id, workflow_id, run_id, trigger, event_id, started_at, finished_at, events_checked, findings_count, counts, findings
       FROM reconciliation_reports ORDER BY finished_at DESC, id LIMIT 1`,
  );
  const row = rows[0];
  if (!row) return null;
  return {
    ...row,
    status: row.findings_count === 0 ? 'OK' : 'FINDINGS',
    started_at: row.started_at.toISOString(),
    finished_at: row.finished_at.toISOString(),
  };
}
