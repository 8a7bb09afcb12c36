import type { PoolClient } from 'pg';
import type { Queryable } from '../db/transaction';

/**
 * The money of an order's refund when some of its places were sold on resale (docs/money.md, "Resale").
 * Each place is refunded to whoever paid for it last: a place never resold, to the order's buyer
 * (their payment, less the face value of the places they resold); a resold place, to the buyer of its
 * last resale (that purchase, in full). A seller keeps their payout: their resale was final.
 */
export interface ResoldPlacesRefund {
  /** Face value of the order's places sold on resale: that part of the order's payment stays a sale. */
  keptCents: number;
  /** The last resale purchase of each resold place: each is refunded in full. */
  purchaseIds: string[];
}

/** Read under the order's row lock, which every sale of one of its places takes first: it cannot change meanwhile. */
export async function refundOfResoldPlaces(db: Queryable, orderId: string): Promise<ResoldPlacesRefund> {
  const { rows } = await db.query<{ face_value_cents: number; purchase_id: string }>(
    `SELECT DISTINCT ON (place_number) face_value_cents, purchase_id
       FROM resale_listings WHERE order_id = $1 AND status = 'SOLD'
      ORDER BY place_number, closed_at DESC`,
    [orderId],
  );
  return { keptCents: rows.reduce((sum, r) => sum + r.face_value_cents, 0), purchaseIds: rows.map((r) => r.purchase_id) };
}

/**
 * Inside the refund's transaction, once the order has left CONFIRMED: the purchases to give back are
 * marked REFUNDING (in id order), so none of them can still count as a sale.
 */
export async function markPurchasesRefunding(db: PoolClient, purchaseIds: string[]): Promise<void> {
  if (purchaseIds.length === 0) return;
  await db.query(`SELECT 1 FROM resale_purchases WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE`, [purchaseIds]);
  await db.query(`UPDATE resale_purchases SET status = 'REFUNDING', updated_at = now() WHERE id = ANY($1::uuid[]) AND status = 'SUCCEEDED'`, [purchaseIds]);
}

/** The resale purchases an order's refund gives back (also after the refund began: a resumed or repeated refund). */
export async function purchasesRefundedWithOrder(db: Queryable, orderId: string): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `SELECT p.id FROM resale_listings l JOIN resale_purchases p ON p.id = l.purchase_id
      WHERE l.order_id = $1 AND l.status = 'SOLD' AND p.status IN ('REFUNDING', 'REFUNDED') ORDER BY p.id`,
    [orderId],
  );
  return rows.map((r) => r.id);
}
