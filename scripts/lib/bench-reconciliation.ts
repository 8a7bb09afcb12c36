/**
 * Reconciliation as an operator runs it (POST, then GET the report), and the inconsistencies the
 * bench seeds by hand to prove that a run names them.
 */
import type { Client } from '@temporalio/client';
import type { Pool } from 'pg';
import { withTransaction } from '../../src/db/transaction';
import type { ReconciliationReport } from '../../src/operations/reconciliation-reports';
import { expectStatus, stringField, type ApiClient } from './bench-http';

const API = '/api/v1/admin/reconciliation';

/**
 * Starts a run over one event and returns its own report. GET answers the latest report, which may be
 * a scheduled run that finished just after ours; then ours is read from its table.
 */
export async function reconcile(api: ApiClient, adminToken: string, temporal: Client, pool: Pool, eventId: string): Promise<ReconciliationReport> {
  const started = expectStatus(await api.call('POST', API, { event_id: eventId }, adminToken), 202, 'start reconciliation');
  const workflowId = stringField(started, 'workflow_id');
  if (!workflowId) throw new Error(`start reconciliation: no workflow_id in ${JSON.stringify(started)}`);
  // The run's result is the only signal that its report is stored; polling GET could return an older one.
  await temporal.workflow.getHandle(workflowId).result();
  const latest = expectStatus(await api.call('GET', API, undefined, adminToken), 200, 'reconciliation report') as ReconciliationReport;
  if (latest.workflow_id === workflowId) return latest;
  const { rows } = await pool.query<ReconciliationReport & { started_at: Date; finished_at: Date }>(
    `SELECT id, workflow_id, run_id, trigger, event_id, started_at, finished_at, events_checked, findings_count, counts, findings
       FROM reconciliation_reports WHERE workflow_id = $1 ORDER BY finished_at DESC LIMIT 1`,
    [workflowId],
  );
  const row = rows[0];
  if (!row) throw new Error(`reconciliation ${workflowId} finished without a stored report`);
  return {
    ...row,
    status: row.findings_count === 0 ? 'OK' : 'FINDINGS',
    started_at: new Date(row.started_at).toISOString(),
    finished_at: new Date(row.finished_at).toISOString(),
  };
}

/** Checks with a finding, and how many: what a reader of the report looks at first. */
export function nonZeroCounts(report: ReconciliationReport): Record<string, number> {
  return Object.fromEntries(Object.entries(report.counts).filter(([, n]) => n > 0));
}

export interface SeededInconsistency {
  eventId: string;
  gaSectionId: string;
  /** An AVAILABLE seat turned HELD, its deadline long past, under a reservation that never asked for it. */
  seatId: string;
  reservationId: string;
  /** What a run must report, check by check, and the row it must name. */
  expected: Array<{ check: string; subject: string }>;
}

/**
 * Two hand edits of the kind an operator "fixing" data would make: a GA counter one place higher than
 * its holds, and a seat HELD past its deadline with no workflow of its own to release it.
 */
export async function seedInconsistency(pool: Pool, s: Omit<SeededInconsistency, 'expected'>): Promise<SeededInconsistency> {
  await withTransaction(pool, async (db) => {
    const ga = await db.query('UPDATE ga_inventory SET held = held + 1 WHERE event_id = $1 AND section_id = $2', [s.eventId, s.gaSectionId]);
    const seat = await db.query(
      `UPDATE seats SET status = 'HELD', reservation_id = $3, held_until = now() - interval '10 minutes'
        WHERE id = $1 AND event_id = $2 AND status = 'AVAILABLE'`,
      [s.seatId, s.eventId, s.reservationId],
    );
    if (ga.rowCount !== 1 || seat.rowCount !== 1) throw new Error(`seeding changed ${ga.rowCount} counter(s) and ${seat.rowCount} seat(s), expected 1 and 1`);
  });
  return {
    ...s,
    expected: [
      { check: 'GA_COUNTER', subject: s.gaSectionId },
      { check: 'HOLD_PAST_DEADLINE', subject: s.seatId },
    ],
  };
}

/** Puts back exactly what seedInconsistency changed, and nothing else. */
export async function undoSeeded(pool: Pool, s: SeededInconsistency): Promise<void> {
  await withTransaction(pool, async (db) => {
    const ga = await db.query('UPDATE ga_inventory SET held = held - 1 WHERE event_id = $1 AND section_id = $2 AND held > 0', [s.eventId, s.gaSectionId]);
    const seat = await db.query(
      `UPDATE seats SET status = 'AVAILABLE', reservation_id = NULL, held_until = NULL
        WHERE id = $1 AND status = 'HELD' AND reservation_id = $2`,
      [s.seatId, s.reservationId],
    );
    if (ga.rowCount !== 1 || seat.rowCount !== 1) throw new Error(`undoing the seed changed ${ga.rowCount} counter(s) and ${seat.rowCount} seat(s), expected 1 and 1`);
  });
}

/** The seeded rows are named, each under its check, and nothing else is reported. */
export function namesSeeded(report: ReconciliationReport, s: SeededInconsistency): boolean {
  const named = s.expected.every((e) => report.findings.some((f) => f.check === e.check && f.subject === e.subject && f.event_id === s.eventId));
  const found = nonZeroCounts(report);
  return named && Object.keys(found).length === s.expected.length && s.expected.every((e) => found[e.check] === 1);
}
