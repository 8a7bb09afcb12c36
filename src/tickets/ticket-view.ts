import type { Queryable } from '../db/transaction';
import type { Ticket } from '../domain/reservation';
import { resaleCapCents } from '../domain/resale-rules';
import { faceValueSql } from '../resale/face-value';

/** A ticket as the API shows it: the contract's fields, and what a fan or a steward reads on it. */
export interface TicketView extends Ticket {
  event_name: string;
  event_starts_at: string;
  section_name: string;
  row: string | null;
  number: number | null;
  issued_at: string;
  used_at: string | null;
  /** The recipient's new ticket, once this one was transferred. */
  transferred_to: string | null;
  transferred_from: string | null;
  /** The buyer's new ticket, once this one was sold on resale. */
  resold_to: string | null;
  resold_from: string | null;
  /** What the place first sold for. */
  face_value_cents: number;
  /** The most it may be listed for on resale; null when the event does not allow resale. */
  resale_max_price_cents: number | null;
  /** Its open resale listing, if it has one. */
  listing_id: string | null;
}

type TicketRow = Omit<TicketView, 'issued_at' | 'used_at' | 'resale_max_price_cents' | 'event_starts_at'> & {
  event_starts_at: Date;
  issued_at: Date;
  used_at: Date | null;
  resale_allowed: boolean;
  resale_max_price_percent: number;
};

function toView(row: TicketRow): TicketView {
  const { resale_allowed, resale_max_price_percent, ...ticket } = row;
  return {
    ...ticket,
    event_starts_at: row.event_starts_at.toISOString(),
    issued_at: row.issued_at.toISOString(),
    used_at: row.used_at?.toISOString() ?? null,
    resale_max_price_cents: resale_allowed ? resaleCapCents(row.face_value_cents, resale_max_price_percent) : null,
  };
}

const TICKET_SELECT = `
  SELECT t.id AS ticket_id, t.order_id, t.event_id, t.seat_id, t.section_id, t.owner_id, t.status, t.qr_code,
         e.name AS event_name, e.starts_at AS event_starts_at, sec.name AS section_name, st.row_label AS row, st.seat_number AS number,
         t.created_at AS issued_at, t.used_at,
         t.transferred_to, t.transferred_from, t.resold_to, t.resold_from,
         ${faceValueSql('t')} AS face_value_cents, e.resale_allowed, e.resale_max_price_percent,
         (SELECT l.id FROM resale_listings l WHERE l.ticket_id = t.id AND l.status = 'LISTED') AS listing_id
    FROM tickets t
    JOIN sections sec ON sec.id = t.section_id
    JOIN events e ON e.id = t.event_id
    LEFT JOIN seats st ON st.id = t.seat_id`;

/** The tickets an order issued to its buyer (a transferred one is listed as TRANSFERRED, a resold one as RESOLD). */
export async function ticketsOfOrders(db: Queryable, orderIds: string[]): Promise<TicketView[]> {
  if (orderIds.length === 0) return [];
  const { rows } = await db.query<TicketRow>(
    `${TICKET_SELECT} WHERE t.order_id = ANY($1::uuid[]) AND t.transferred_from IS NULL AND t.resold_from IS NULL ORDER BY t.order_id, t.created_at, st.row_label, st.seat_number, t.id`,
    [orderIds],
  );
  return rows.map(toView);
}

export async function loadTicket(db: Queryable, ticketId: string): Promise<TicketView | null> {
  const { rows } = await db.query<TicketRow>(`${TICKET_SELECT} WHERE t.id = $1`, [ticketId]);
  return rows[0] ? toView(rows[0]) : null;
}

/** Tickets someone holds now or held: bought, received by transfer or resale, used, passed on, resold. Newest first. */
export async function ticketsOfOwner(db: Queryable, ownerId: string, limit: number): Promise<TicketView[]> {
  const { rows } = await db.query<TicketRow>(`${TICKET_SELECT} WHERE t.owner_id = $1 ORDER BY t.created_at DESC, t.id DESC LIMIT $2`, [ownerId, limit]);
  return rows.map(toView);
}
