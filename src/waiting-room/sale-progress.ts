import type { Queryable } from '../db/transaction';

export interface SaleProgress {
  eventStatus: 'SCHEDULED' | 'CANCELLED' | 'MISSING';
  /** Seats and GA tickets a hold could take now (a hold past its held_until counts as available). */
  available: number;
  /** Seats and GA tickets in live holds: they may yet come back. */
  held: number;
  /** When holds may start. */
  opensAt: Date | null;
  /** When the event starts. */
  startsAt: Date | null;
}

/** How much of the event is left, in one statement (the on-sale workflow asks on every tick). */
export async function saleProgress(db: Queryable, eventId: string): Promise<SaleProgress> {
  const { rows } = await db.query<{ status: 'SCHEDULED' | 'CANCELLED'; opens_at: Date; starts_at: Date; free_seats: number; held_seats: number; ga_unsold: number; ga_held: number }>(
    `SELECT e.status, ${OPENS_AT} AS opens_at, e.starts_at,
            (SELECT count(*) FROM seats s WHERE s.event_id = e.id AND (s.status = 'AVAILABLE' OR (s.status = 'HELD' AND s.held_until <= now())))::int AS free_seats,
            (SELECT count(*) FROM seats s WHERE s.event_id = e.id AND s.status = 'HELD' AND s.held_until > now())::int AS held_seats,
            (SELECT COALESCE(sum(g.capacity - g.sold), 0) FROM ga_inventory g WHERE g.event_id = e.id)::int AS ga_unsold,
            (SELECT COALESCE(sum(h.quantity), 0) FROM ga_holds h WHERE h.event_id = e.id AND h.status = 'HELD' AND h.held_until > now())::int AS ga_held
       FROM events e WHERE e.id = $1`,
    [eventId],
  );
  const row = rows[0];
  if (!row) return { eventStatus: 'MISSING', available: 0, held: 0, opensAt: null, startsAt: null };
  return {
    eventStatus: row.status,
    available: row.free_seats + Math.max(row.ga_unsold - row.ga_held, 0),
    held: row.held_seats + row.ga_held,
    opensAt: row.opens_at,
    startsAt: row.starts_at,
  };
}

/** When the sale opens (the first presale window, or on_sale_at): fans who join before it wait in the pre-queue. */
export async function saleOpensAt(db: Queryable, eventId: string): Promise<Date | null> {
  const { rows } = await db.query<{ opens_at: Date }>(`SELECT ${OPENS_AT} AS opens_at FROM events e WHERE e.id = $1`, [eventId]);
  return rows[0]?.opens_at ?? null;
}

/** When holds may start: the first presale window, or on_sale_at. */
const OPENS_AT = 'LEAST(e.on_sale_at, (SELECT min(p.starts_at) FROM presale_windows p WHERE p.event_id = e.id))';

/**
 * Which of these admitted fans have finished: they bought (a confirmed reservation for the event) or
 * their admission window is over, and they hold nothing live. A fan with a live hold is still
 * shopping, whatever their token says.
 */
export async function finishedFans(
  db: Queryable,
  eventId: string,
  fans: Array<{ userId: string; expiresAtMs: number }>,
  nowMs: number,
): Promise<string[]> {
  if (fans.length === 0) return [];
  const { rows } = await db.query<{ user_id: string; live: boolean; bought: boolean }>(
    `SELECT user_id::text,
            bool_or(status IN ('HELD', 'PAYMENT_PENDING') AND held_until > now()) AS live,
            bool_or(status = 'CONFIRMED') AS bought
       FROM reservations
      WHERE event_id = $1 AND user_id = ANY($2::uuid[])
      GROUP BY user_id`,
    [eventId, fans.map((f) => f.userId)],
  );
  const byUser = new Map(rows.map((r) => [r.user_id, r]));
  return fans
    .filter((fan) => {
      const r = byUser.get(fan.userId.toLowerCase());
      if (r?.live) return false;
      return Boolean(r?.bought) || fan.expiresAtMs <= nowMs;
    })
    .map((fan) => fan.userId);
}
