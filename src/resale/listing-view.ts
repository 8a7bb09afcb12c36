import type { Queryable } from '../db/transaction';
import type { ListingStatus, ListingView } from '../domain/resale';

/** A listing with who is on either side of it: for the checks of the API, never shown as such. */
export interface ListingRecord {
  view: ListingView;
  orderId: string;
  sellerId: string;
  buyerId: string | null;
  purchaseId: string | null;
  newTicketId: string | null;
  closeReason: string | null;
}

interface ListingRow {
  listing_id: string;
  ticket_id: string;
  event_id: string;
  section_id: string;
  seat_id: string | null;
  section_name: string;
  row: string | null;
  number: number | null;
  face_value_cents: number;
  price_cents: number;
  fee_cents: number;
  seller_payout_cents: number;
  status: ListingStatus;
  listed_at: Date;
  expires_at: Date;
  closed_at: Date | null;
  order_id: string;
  seller_id: string;
  buyer_id: string | null;
  purchase_id: string | null;
  new_ticket_id: string | null;
  close_reason: string | null;
}

const LISTING_SELECT = `
  SELECT l.id AS listing_id, l.ticket_id, l.event_id, l.section_id, l.seat_id, sec.name AS section_name,
         st.row_label AS row, st.seat_number AS number, l.face_value_cents, l.price_cents, l.fee_cents,
         l.seller_payout_cents, l.status, l.listed_at, l.expires_at, l.closed_at,
         l.order_id, l.seller_id, l.buyer_id, l.purchase_id, l.new_ticket_id, l.close_reason
    FROM resale_listings l
    JOIN sections sec ON sec.id = l.section_id
    LEFT JOIN seats st ON st.id = l.seat_id`;

function toRecord(row: ListingRow): ListingRecord {
  return {
    view: {
      listing_id: row.listing_id,
      ticket_id: row.ticket_id,
      event_id: row.event_id,
      section_id: row.section_id,
      seat_id: row.seat_id,
      section_name: row.section_name,
      row: row.row,
      number: row.number,
      face_value_cents: row.face_value_cents,
      price_cents: row.price_cents,
      fee_cents: row.fee_cents,
      seller_payout_cents: row.seller_payout_cents,
      status: row.status,
      listed_at: row.listed_at.toISOString(),
      expires_at: row.expires_at.toISOString(),
      closed_at: row.closed_at?.toISOString() ?? null,
    },
    orderId: row.order_id,
    sellerId: row.seller_id,
    buyerId: row.buyer_id,
    purchaseId: row.purchase_id,
    newTicketId: row.new_ticket_id,
    closeReason: row.close_reason,
  };
}

export async function loadListing(db: Queryable, listingId: string): Promise<ListingRecord | null> {
  const { rows } = await db.query<ListingRow>(`${LISTING_SELECT} WHERE l.id = $1`, [listingId]);
  return rows[0] ? toRecord(rows[0]) : null;
}

export async function requireListing(db: Queryable, listingId: string): Promise<ListingRecord> {
  const record = await loadListing(db, listingId);
  if (!record) throw new Error(`listing ${listingId} does not exist`);
  return record;
}

/** An event's open listings, cheapest first (then the longest listed), optionally of one section. */
export async function openListingsOfEvent(db: Queryable, eventId: string, sectionId: string | null, limit: number): Promise<ListingView[]> {
  const { rows } = await db.query<ListingRow>(
    `${LISTING_SELECT}
      WHERE l.event_id = $1 AND l.status = 'LISTED' AND ($2::uuid IS NULL OR l.section_id = $2)
      ORDER BY l.price_cents, l.listed_at, l.id LIMIT $3`,
    [eventId, sectionId, limit],
  );
  return rows.map((r) => toRecord(r).view);
}
