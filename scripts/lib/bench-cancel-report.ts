/** The --cancel-event verdict (correctness only) and its printed report. */
import type { ReconciliationReport } from '../../src/operations/reconciliation-reports';
import type { CancelEventResult } from './bench-cancel-event';
import { namesSeeded, nonZeroCounts } from './bench-reconciliation';

/** Findings printed per report; the JSON file keeps them all. */
const FINDINGS_SHOWN = 6;

export function checksOf(r: CancelEventResult): Array<[string, boolean]> {
  const { after, before, cancellation: c } = r;
  const left = after.leftovers;
  const refunded = after.orders_by_status.REFUNDED ?? 0;
  return [
    ['reconciliation before cancelling: OK', r.reconciliation_before.status === 'OK'],
    ['cancellation reached DONE; event CANCELLED', c.final.phase === 'DONE' && after.event_status === 'CANCELLED'],
    ['every confirmed order REFUNDED, with its payment', refunded === before.confirmed_orders && after.orders_not_refunded === 0 && Object.keys(after.orders_by_status).length === 1],
    ['every captured payment refunded exactly once (payment trail), none twice', after.captured_not_refunded_once === 0 && after.refunded_twice === 0],
    ["the processor's ledger has a refund for every refunded payment", after.missing_at_processor === 0],
    ['every open hold released', c.final.holdsReleased + c.final.holdsSoldMeanwhile === before.live_reservations && left.live_reservations === 0],
    ['nothing left HELD or SOLD (seats, GA counters, GA holds)', left.seats_held + left.seats_sold + left.ga_held + left.ga_sold + left.ga_holds_live === 0],
    ['every ticket cancelled', left.live_tickets === 0 && after.tickets_cancelled === before.live_tickets],
    ["the workflow's counts agree with the rows", c.final.ordersRefunded + c.final.ordersAlreadyRefunding === refunded],
    ['no oversell, every section invariant holds', r.invariants.oversold.total === 0 && r.invariants.sections.every((s) => s.ok)],
    ['reconciliation after cancelling: OK', r.reconciliation_after.status === 'OK'],
    ['seeded event: OK before the hand edits', r.seeded.before.status === 'OK'],
    ['seeded event: the hand edits named, exactly', namesSeeded(r.seeded.found, r.seeded.seeded)],
    ['seeded event: OK again after undoing them', r.seeded.after_undo.status === 'OK'],
  ];
}

const s = (ms: number | null): string => (ms === null ? '-' : `${(ms / 1000).toFixed(1)} s`);

function durationMs(report: ReconciliationReport): number {
  return new Date(report.finished_at).getTime() - new Date(report.started_at).getTime();
}

/** The report as GET returns it, findings cut to a few: the counts are exact anyway. */
export function trimmed(report: ReconciliationReport): string {
  const shown = { ...report, findings: report.findings.slice(0, FINDINGS_SHOWN) };
  const cut = report.findings.length - shown.findings.length;
  return JSON.stringify(cut > 0 ? { ...shown, findings_not_shown: cut } : shown, null, 2);
}

function reconciliationBlock(title: string, report: ReconciliationReport): string {
  const found = nonZeroCounts(report);
  const summary = Object.keys(found).length === 0 ? 'no finding' : Object.entries(found).map(([k, n]) => `${k} ${n}`).join(', ');
  return `\n${title}: ${report.status} (${summary}; ${report.events_checked} event checked in ${durationMs(report)} ms)\n${trimmed(report)}`;
}

export function renderCancelEvent(r: CancelEventResult, checks: Array<[string, boolean]>): string {
  const { figures: f, after, cancellation: c, setup } = r;
  const left = after.leftovers;
  const made = setup.made;
  const lines = [
    `\nEvent cancellation (${r.options.orders} orders; ${r.environment.cpus} cores, everything on this machine)`,
    `  setup: ${made.orders} orders (${made.seatTickets} seat + ${made.gaTickets} GA tickets) by ${setup.buyers} buyers in ${s(made.elapsedMs)} ` +
      `(${(made.orders / (made.elapsedMs / 1000)).toFixed(1)} orders/s), ${setup.open_holds} unpaid holds; event ${r.ids.event}`,
    reconciliationBlock('Reconciliation before cancelling', r.reconciliation_before),
    `\nCancellation (workflow cancel-event-${r.ids.event})`,
    `  202 after ${c.phases_seen[0]?.at_ms ?? '-'} ms; phases seen: ${c.phases_seen.map((p) => `${p.phase} ${s(p.at_ms)}`).join(' → ')}`,
    `  holds released: ${f.holds_released} (${c.final.holdsSoldMeanwhile} sold meanwhile), the last ${s(f.time_to_holds_released_ms)} after the request`,
    `  orders refunded: ${f.orders_refunded} (workflow: ${c.final.ordersRefunded} + ${c.final.ordersAlreadyRefunding} already refunding); ` +
      `first refund began ${s(r.timings.refunds_started_first_ms)}, last done ${s(f.time_to_last_refund_ms)} after the request`,
    `  refund rate: ${f.refunds_per_second ?? '-'} refunds/s over the refund phase (${s(f.refund_phase_ms)}), ${f.refunds_per_second_from_request ?? '-'}/s from the request`,
    `  DONE ${s(f.time_to_done_ms)} after the request (seen by polling at ${s(c.done_observed_ms)}), of which the straggler wait ${f.straggler_wait_seconds} s; ` +
      `${c.final.runs} run(s), last run's history ${c.history_length ?? '-'} events`,
    ...(Object.keys(c.failed_polls).length > 0
      ? [`  progress polls that failed: ${JSON.stringify(c.failed_polls)} (a server out of reach during the run: the times above include the outage)`]
      : []),
    `  money: payments ${JSON.stringify(after.payments_by_status)}; captured but not refunded exactly once ${after.captured_not_refunded_once}; ` +
      `refunded twice ${after.refunded_twice}; refunds missing at the processor ${after.missing_at_processor}`,
    `  left: seats HELD ${left.seats_held} / SOLD ${left.seats_sold}; GA held ${left.ga_held} / sold ${left.ga_sold}; live GA holds ${left.ga_holds_live}; ` +
      `live reservations ${left.live_reservations}; live tickets ${left.live_tickets}; tickets cancelled ${after.tickets_cancelled}`,
    `  reservations ${JSON.stringify(after.reservations_by_status)}; orders ${JSON.stringify(after.orders_by_status)}`,
    reconciliationBlock('Reconciliation after cancelling', r.reconciliation_after),
    `\nSeeded inconsistency on event ${r.seeded.event_id}: GA counter ${r.seeded.seeded.gaSectionId} held +1 with no hold; ` +
      `seat ${r.seeded.seeded.seatId} set HELD 10 min past its deadline for reservation ${r.seeded.seeded.reservationId}`,
    `  before the edits: ${r.seeded.before.status}; after undoing them: ${r.seeded.after_undo.status}`,
    reconciliationBlock('Reconciliation of the seeded event', r.seeded.found),
    `\nChecks (correctness only; the figures are reported, never judged):`,
    ...checks.map(([name, ok]) => `  ${ok ? 'OK  ' : 'FAIL'} ${name}`),
  ];
  return lines.join('\n');
}
