import type { Queryable } from '../db/transaction';

export type AuditAction = 'HOLD' | 'EXTEND' | 'RELEASE' | 'SELL' | 'RECLAIM_EXPIRED' | 'REFUND';

export interface AuditEntry {
  eventId: string;
  reservationId: string | null;
  sectionId: string;
  seatId: string | null;
  quantity: number;
}

/** Appends one audit row per entry in a single statement (a 6-seat hold is one round trip, not six). */
export async function appendAudit(
  db: Queryable,
  action: AuditAction,
  actor: string,
  entries: AuditEntry[],
  detail: string | null = null,
): Promise<void> {
  if (entries.length === 0) return;
  await db.query(
    `INSERT INTO inventory_audit_log (event_id, reservation_id, section_id, seat_id, quantity, action, actor, detail)
     SELECT e.event_id, e.reservation_id, e.section_id, e.seat_id, e.quantity, $6, $7, $8
       FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::uuid[], $5::int[])
         AS e(event_id, reservation_id, section_id, seat_id, quantity)`,
    [
      entries.map((e) => e.eventId),
      entries.map((e) => e.reservationId),
      entries.map((e) => e.sectionId),
      entries.map((e) => e.seatId),
      entries.map((e) => e.quantity),
      action,
      actor,
      detail,
    ],
  );
}
