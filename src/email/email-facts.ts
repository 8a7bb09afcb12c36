import type { Queryable } from '../db/transaction';
import type { EventFacts, Recipient, TicketWithCode } from './email-kinds';

/*
 * What an email says, read inside the action's transaction, so it tells what the action committed:
 * the event, the fan, the tickets with their codes.
 */

export async function eventFacts(db: Queryable, eventId: string): Promise<EventFacts> {
  const { rows } = await db.query<{ name: string; starts_at: Date; venue_name: string; city: string }>(
    `SELECT e.name, e.starts_at, v.name AS venue_name, v.city FROM events e JOIN venues v ON v.id = e.venue_id WHERE e.id = $1`,
    [eventId],
  );
  const row = rows[0];
  if (!row) throw new Error(`event ${eventId} does not exist`);
  return { eventId, name: row.name, startsAt: row.starts_at.toISOString(), venueName: row.venue_name, city: row.city };
}

export async function recipient(db: Queryable, userId: string): Promise<Recipient> {
  const { rows } = await db.query<Recipient>('SELECT email, name FROM users WHERE id = $1', [userId]);
  const row = rows[0];
  if (!row) throw new Error(`user ${userId} does not exist`);
  return row;
}

export interface TicketFacts extends TicketWithCode {
  ownerId: string;
  eventId: string;
  orderId: string;
}

/** The tickets named, in the order named, each with the label a fan reads on it. */
export async function ticketFacts(db: Queryable, ticketIds: string[]): Promise<TicketFacts[]> {
  if (ticketIds.length === 0) return [];
  const { rows } = await db.query<{ id: string; owner_id: string; event_id: string; order_id: string; qr_code: string; section: string; row_label: string | null; seat_number: number | null }>(
    `SELECT t.id, t.owner_id, t.event_id, t.order_id, t.qr_code, sec.name AS section, st.row_label, st.seat_number
       FROM tickets t JOIN sections sec ON sec.id = t.section_id LEFT JOIN seats st ON st.id = t.seat_id
      WHERE t.id = ANY($1::uuid[])`,
    [ticketIds],
  );
  const byId = new Map(rows.map((r) => [r.id, r]));
  return ticketIds.map((id) => {
    const r = byId.get(id);
    if (!r) throw new Error(`ticket ${id} does not exist`);
    const label = r.row_label !== null ? `${r.section}, row ${r.row_label}, seat ${r.seat_number ?? ''}` : `${r.section}, general admission`;
    return { ticketId: r.id, label, code: r.qr_code, ownerId: r.owner_id, eventId: r.event_id, orderId: r.order_id };
  });
}

/** Only what a template needs of a ticket: the facts kept in the outbox row. */
export function withCode(ticket: TicketFacts): TicketWithCode {
  return { ticketId: ticket.ticketId, label: ticket.label, code: ticket.code };
}
