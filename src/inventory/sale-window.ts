import { createHash, timingSafeEqual } from 'node:crypto';
import type { PoolClient } from 'pg';
import type { Queryable } from '../db/transaction';
import { AppError } from '../domain/errors';

/** Whether an event sells now, by the database clock: its general sale, an open presale window, or neither. */
export interface SaleWindow {
  found: boolean;
  cancelled: boolean;
  generalSale: boolean;
  presale: { id: string; maxTicketsPerUser: number } | null;
  hasPresales: boolean;
  /** When it next opens (the next window's start, or on_sale_at), if it is not on sale now. */
  opensAt: Date | null;
  /** Its prices move by demand: a hold locks the price rows it reads (src/inventory/locks.ts). */
  demandPricing: boolean;
}

export async function readSaleWindow(db: Queryable, eventId: string): Promise<SaleWindow> {
  // No row lock: thousands of concurrent holds sharing one event row would pile up MultiXacts; an
  // event cancelled meanwhile has its holds released by the cancellation itself.
  const { rows } = await db.query<{ status: string; on_sale: boolean; on_sale_at: Date; open_id: string | null; open_max: number | null; has_presales: boolean; next_start: Date | null; demand_pricing: boolean }>(
    `SELECT e.status, e.on_sale_at <= now() AS on_sale, e.on_sale_at,
            EXISTS (SELECT 1 FROM event_pricing pr WHERE pr.event_id = e.id) AS demand_pricing,
            w.id AS open_id, w.max_tickets_per_user AS open_max,
            EXISTS (SELECT 1 FROM presale_windows p WHERE p.event_id = e.id) AS has_presales,
            (SELECT min(p.starts_at) FROM presale_windows p WHERE p.event_id = e.id AND p.starts_at > now()) AS next_start
       FROM events e
       LEFT JOIN LATERAL (
         SELECT id, max_tickets_per_user FROM presale_windows p
          WHERE p.event_id = e.id AND p.starts_at <= now() AND now() < p.ends_at
          ORDER BY p.starts_at LIMIT 1
       ) w ON true
      WHERE e.id = $1`,
    [eventId],
  );
  const row = rows[0];
  if (!row) return { found: false, cancelled: false, generalSale: false, presale: null, hasPresales: false, opensAt: null, demandPricing: false };
  const cancelled = row.status === 'CANCELLED';
  const generalSale = !cancelled && row.on_sale;
  const presale = !cancelled && !generalSale && row.open_id && row.open_max ? { id: row.open_id, maxTicketsPerUser: row.open_max } : null;
  const opensAt = generalSale || presale ? null : (row.next_start && row.next_start < row.on_sale_at ? row.next_start : row.on_sale_at);
  return { found: true, cancelled, generalSale, presale, hasPresales: row.has_presales, opensAt, demandPricing: row.demand_pricing };
}

/**
 * Refuses a hold when nothing is on sale: EVENT_NOT_FOUND, EVENT_NOT_ON_SALE (cancelled, or before the
 * sale of an event without presales, as the contract says), or NOT_ON_SALE_YET (an event with presale
 * windows, outside them, before its general sale: with when it opens).
 */
export function refuseOutsideSale(eventId: string, sale: SaleWindow): void {
  if (!sale.found) throw new AppError('EVENT_NOT_FOUND', 'event not found', { event_id: eventId });
  if (sale.generalSale || sale.presale) return;
  if (!sale.cancelled && sale.hasPresales) {
    throw new AppError('NOT_ON_SALE_YET', 'no presale window is open and the general sale has not started', {
      event_id: eventId,
      opens_at: sale.opensAt?.toISOString() ?? null,
    });
  }
  throw new AppError('EVENT_NOT_ON_SALE', 'this event is not on sale', { event_id: eventId });
}

/** Tickets a user holds (live holds) or bought (confirmed) for an event. */
export async function countLiveAndSoldTickets(db: PoolClient, eventId: string, userId: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    `SELECT COALESCE(sum(i.quantity), 0)::int AS n
       FROM reservations r JOIN reservation_items i ON i.reservation_id = r.id
      WHERE r.event_id = $1 AND r.user_id = $2
        AND (r.status = 'CONFIRMED' OR (r.status IN ('HELD', 'PAYMENT_PENDING') AND r.held_until > now()))`,
    [eventId, userId],
  );
  return rows[0]?.n ?? 0;
}

/** Whether `code` opens the window; compared as digests in constant time, so timing tells nothing of the code. */
export async function presaleCodeMatches(db: Queryable, windowId: string, code: string | undefined): Promise<boolean> {
  if (!code) return false;
  const { rows } = await db.query<{ access_code: string }>('SELECT access_code FROM presale_windows WHERE id = $1', [windowId]);
  const expected = rows[0]?.access_code;
  if (expected === undefined) return false;
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(expected), digest(code));
}
