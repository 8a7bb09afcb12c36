import type { Queryable } from '../db/transaction';
import { isUuid } from '../db/uuid';
import { eventNotFound } from './event-lookup';

export interface EventRules {
  id: string;
  venue_id: string;
  status: 'SCHEDULED' | 'CANCELLED';
  /** Not cancelled and on_sale_at has passed (by the database clock). */
  on_sale: boolean;
  on_sale_at: string;
  starts_at: string;
  hold_duration_seconds: number;
  max_hold_extensions: number;
  max_tickets_per_order: number;
  high_demand: boolean;
}

/** The event-level rules a reservation request is judged by; 404 EVENT_NOT_FOUND when unknown or malformed. */
export async function getEventRules(db: Queryable, eventId: string): Promise<EventRules> {
  if (!isUuid(eventId)) throw eventNotFound(eventId);
  const { rows } = await db.query<Omit<EventRules, 'on_sale_at' | 'starts_at'> & { on_sale_at: Date; starts_at: Date }>(
    `SELECT id, venue_id, status, status <> 'CANCELLED' AND on_sale_at <= now() AS on_sale, on_sale_at, starts_at,
            hold_duration_seconds, max_hold_extensions, max_tickets_per_order, high_demand
       FROM events WHERE id = $1`,
    [eventId],
  );
  const row = rows[0];
  if (!row) throw eventNotFound(eventId);
  return { ...row, on_sale_at: row.on_sale_at.toISOString(), starts_at: row.starts_at.toISOString() };
}
