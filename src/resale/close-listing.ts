import type { Pool, PoolClient } from 'pg';
import type { Queryable } from '../db/transaction';
import type { ListingView } from '../domain/resale';
import { requireListing } from './listing-view';

/** Why a listing closed without a sale (resale_listings.close_reason). */
export type CloseReason = 'SELLER' | 'ADMIN' | 'OPERATOR' | 'SCANNED' | 'ORDER_REFUNDED' | 'EVENT_CANCELLED' | 'NOT_OPENED' | 'EXPIRED';

/**
 * Closes a listing that is still LISTED (WITHDRAWN or EXPIRED) and answers with it as it now is: a
 * listing that was sold, or closed otherwise before, is answered unchanged. One statement on the
 * listing's row alone.
 */
export async function closeListing(db: Queryable, listingId: string, status: 'WITHDRAWN' | 'EXPIRED', reason: CloseReason): Promise<ListingView> {
  await db.query(`UPDATE resale_listings SET status = $2, closed_at = now(), close_reason = $3 WHERE id = $1 AND status = 'LISTED'`, [listingId, status, reason]);
  return (await requireListing(db, listingId)).view;
}

/**
 * Withdraws every open listing of an order, inside its refund's transaction: after the order's
 * tickets in the lock order, each listing by id. Returns every listing of the order the refund
 * withdrew (also those of an earlier, interrupted attempt: their workflows are told again).
 */
export async function withdrawListingsOfOrder(db: PoolClient, orderId: string, reason: CloseReason): Promise<string[]> {
  await db.query(`SELECT 1 FROM resale_listings WHERE order_id = $1 AND status = 'LISTED' ORDER BY id FOR UPDATE`, [orderId]);
  await db.query(`UPDATE resale_listings SET status = 'WITHDRAWN', closed_at = now(), close_reason = $2 WHERE order_id = $1 AND status = 'LISTED'`, [
    orderId,
    reason,
  ]);
  return listingsClosedFor(db, 'order_id', orderId, reason);
}

/** Withdraws every open listing of a cancelled event (nothing of it can be bought any more). */
export async function withdrawListingsOfEvent(pool: Pool, eventId: string): Promise<string[]> {
  await pool.query(
    `UPDATE resale_listings SET status = 'WITHDRAWN', closed_at = now(), close_reason = 'EVENT_CANCELLED'
      WHERE id IN (SELECT id FROM resale_listings WHERE event_id = $1 AND status = 'LISTED' ORDER BY id FOR UPDATE)`,
    [eventId],
  );
  return listingsClosedFor(pool, 'event_id', eventId, 'EVENT_CANCELLED');
}

async function listingsClosedFor(db: Queryable, column: 'order_id' | 'event_id', id: string, reason: CloseReason): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `SELECT id FROM resale_listings WHERE ${column} = $1 AND status = 'WITHDRAWN' AND close_reason = $2 ORDER BY id`,
    [id, reason],
  );
  return rows.map((r) => r.id);
}
