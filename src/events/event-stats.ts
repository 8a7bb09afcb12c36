import type { EventStatsView } from '../api/openapi/event-schemas';
import type { Queryable } from '../db/transaction';
import { RESERVATION_STATUSES, type ReservationStatus } from '../domain/reservation';
import { loadSectionCounts } from '../inventory/section-counts';
import { assertEventExists } from './event-lookup';

/** Inventory and reservation counts of one event for operators; lapsed holds count as available. */
export async function getEventStats(db: Queryable, eventId: string): Promise<EventStatsView> {
  await assertEventExists(db, eventId);
  const [counts, reservations] = await Promise.all([loadSectionCounts(db, eventId), countReservations(db, eventId)]);
  const sections = counts.map((c) => ({
    section_id: c.section_id,
    name: c.name,
    kind: c.kind,
    total: c.total,
    available: c.available,
    held: c.held,
    sold: c.sold,
    lapsed_holds: c.lapsed,
  }));
  const sum = (pick: (s: (typeof sections)[number]) => number): number => sections.reduce((total, s) => total + pick(s), 0);
  return {
    event_id: eventId.toLowerCase(),
    sections,
    totals: { total: sum((s) => s.total), available: sum((s) => s.available), held: sum((s) => s.held), sold: sum((s) => s.sold) },
    reservations_by_status: reservations,
  };
}

async function countReservations(db: Queryable, eventId: string): Promise<Record<ReservationStatus, number>> {
  const { rows } = await db.query<{ status: ReservationStatus; n: number }>(
    'SELECT status, count(*)::int AS n FROM reservations WHERE event_id = $1 GROUP BY status',
    [eventId],
  );
  // Every status is present, 0 when none, so dashboards need no special case.
  const byStatus = Object.fromEntries(RESERVATION_STATUSES.map((s) => [s, 0])) as Record<ReservationStatus, number>;
  for (const row of rows) byStatus[row.status] = row.n;
  return byStatus;
}
