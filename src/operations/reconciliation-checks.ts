import type { Pool } from 'pg';

/**
 * What reconciliation checks. Each is a set-based query over the whole database; each finding names
 * the event, the row that does not add up and why. Nothing here repairs anything: a finding is for an
 * operator to look at.
 */
export const RECONCILIATION_CHECKS = [
  /** A seated section has as many seat rows as the venue's rows × seats per row. */
  'SEAT_CAPACITY',
  /** A GA counter's held and sold equal the sums of its HELD and SOLD GA holds, within capacity. */
  'GA_COUNTER',
  /** A HELD seat or GA hold (or an open reservation) is past its held_until by more than the grace. */
  'HOLD_PAST_DEADLINE',
  /** An open reservation has no running reservation workflow to release it. */
  'HOLD_WITHOUT_WORKFLOW',
  /** A SOLD seat has exactly one live ticket, of a confirmed order of the reservation that holds it. */
  'SOLD_SEAT_TICKETS',
  /** A GA counter's sold equals the live GA tickets of confirmed orders in that section. */
  'SOLD_GA_TICKETS',
  /** A live ticket stands for a sold place of a confirmed order. */
  'TICKET_WITHOUT_SALE',
  /** A captured payment pays for an order or has been refunded. */
  'CAPTURED_WITHOUT_ORDER',
  /** No payment is refunded while the order it paid for is still CONFIRMED. */
  'REFUND_OF_ACTIVE_ORDER',
  /** A charge whose outcome is unknown is settled within minutes; a refund (and a resale's payout) completes within minutes. */
  'MONEY_UNSETTLED',
  /** A SOLD resale listing has exactly one payout, for its seller_payout_cents; a payout pays a SOLD listing. */
  'PAYOUT_MISMATCH',
  /** A resale buyer's captured charge bought its listing or has been refunded. */
  'RESALE_CHARGE_WITHOUT_SALE',
] as const;

export type ReconciliationCheck = (typeof RECONCILIATION_CHECKS)[number];

export interface Finding {
  check: ReconciliationCheck;
  event_id: string | null;
  /** The row that does not add up: a seat, section, reservation, ticket, payment, listing, resale purchase or payout id. */
  subject: string;
  detail: string;
}

export interface CheckOptions {
  /** How far past held_until a hold may still be, its release being under way. */
  holdGraceSeconds: number;
  /** How long money may stay in flight (captured but not yet sold, refunding, unknown) before it is a finding. */
  moneyGraceSeconds: number;
  /** Findings kept per check (the counts are always exact). */
  limit: number;
  /** Only this event (an operator looking at one event); every event otherwise. */
  eventId?: string | null;
}

export interface CheckResults {
  eventsChecked: number;
  counts: Record<ReconciliationCheck, number>;
  findings: Finding[];
}

const QUERIES: Record<Exclude<ReconciliationCheck, 'HOLD_WITHOUT_WORKFLOW'>, string> = {
  SEAT_CAPACITY: `
    SELECT p.event_id, p.section_id AS subject,
           format('%s seat rows for a section of %s × %s', count(st.id), sec.rows, sec.seats_per_row) AS detail
      FROM event_prices p JOIN sections sec ON sec.id = p.section_id AND sec.kind = 'SEATED'
      LEFT JOIN seats st ON st.event_id = p.event_id AND st.section_id = p.section_id
     GROUP BY p.event_id, p.section_id, sec.rows, sec.seats_per_row
    HAVING count(st.id) <> sec.rows * sec.seats_per_row`,
  GA_COUNTER: `
    SELECT g.event_id, g.section_id AS subject,
           format('counter held %s sold %s capacity %s; GA holds held %s sold %s', g.held, g.sold, g.capacity, coalesce(h.held, 0), coalesce(h.sold, 0)) AS detail
      FROM ga_inventory g
      LEFT JOIN (SELECT event_id, section_id,
                        sum(quantity) FILTER (WHERE status = 'HELD') AS held,
                        sum(quantity) FILTER (WHERE status = 'SOLD') AS sold
                   FROM ga_holds GROUP BY event_id, section_id) h ON h.event_id = g.event_id AND h.section_id = g.section_id
     WHERE g.held <> coalesce(h.held, 0) OR g.sold <> coalesce(h.sold, 0) OR g.held + g.sold > g.capacity`,
  HOLD_PAST_DEADLINE: `
    SELECT event_id, id::text AS subject, format('reservation %s held until %s', status, held_until) AS detail
      FROM reservations WHERE status IN ('HELD', 'PAYMENT_PENDING') AND held_until < now() - make_interval(secs => $1)
    UNION ALL
    SELECT event_id, id::text, format('seat HELD by %s until %s', reservation_id, held_until)
      FROM seats WHERE status = 'HELD' AND held_until < now() - make_interval(secs => $1)
    UNION ALL
    SELECT event_id, reservation_id::text, format('GA hold of %s in section %s until %s', quantity, section_id, held_until)
      FROM ga_holds WHERE status = 'HELD' AND held_until < now() - make_interval(secs => $1)`,
  SOLD_SEAT_TICKETS: `
    SELECT st.event_id, st.id::text AS subject,
           format('SOLD to reservation %s with %s live ticket(s) of its confirmed order', st.reservation_id, count(t.id)) AS detail
      FROM seats st
      LEFT JOIN orders o ON o.reservation_id = st.reservation_id AND o.status = 'CONFIRMED'
      LEFT JOIN tickets t ON t.seat_id = st.id AND t.order_id = o.id AND t.status IN ('ACTIVE', 'USED')
     WHERE st.status = 'SOLD'
     GROUP BY st.event_id, st.id, st.reservation_id
    HAVING count(t.id) <> 1`,
  SOLD_GA_TICKETS: `
    SELECT g.event_id, g.section_id AS subject, format('counter sold %s, live tickets of confirmed orders %s', g.sold, count(t.id)) AS detail
      FROM ga_inventory g
      LEFT JOIN tickets t ON t.event_id = g.event_id AND t.section_id = g.section_id AND t.seat_id IS NULL AND t.status IN ('ACTIVE', 'USED')
           AND EXISTS (SELECT 1 FROM orders o WHERE o.id = t.order_id AND o.status = 'CONFIRMED')
     GROUP BY g.event_id, g.section_id, g.sold
    HAVING g.sold <> count(t.id)`,
  TICKET_WITHOUT_SALE: `
    SELECT t.event_id, t.id::text AS subject, format('live ticket of an order %s%s', o.status,
             CASE WHEN t.seat_id IS NOT NULL AND (st.status <> 'SOLD' OR st.reservation_id IS DISTINCT FROM o.reservation_id)
                  THEN format(' for a seat that is %s', st.status) ELSE '' END) AS detail
      FROM tickets t JOIN orders o ON o.id = t.order_id LEFT JOIN seats st ON st.id = t.seat_id
     WHERE t.status IN ('ACTIVE', 'USED')
       AND (o.status <> 'CONFIRMED' OR (t.seat_id IS NOT NULL AND (st.status <> 'SOLD' OR st.reservation_id IS DISTINCT FROM o.reservation_id)))`,
  CAPTURED_WITHOUT_ORDER: `
    SELECT r.event_id, p.id::text AS subject, format('%s cents captured (%s) %s ago, no order, not refunded', p.amount_cents, lower(p.source), date_trunc('second', now() - p.updated_at)) AS detail
      FROM payments p JOIN reservations r ON r.id = p.reservation_id
     WHERE p.status = 'SUCCEEDED' AND p.updated_at < now() - make_interval(secs => $1)
       AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.payment_id = p.id)`,
  REFUND_OF_ACTIVE_ORDER: `
    SELECT o.event_id, p.id::text AS subject, format('payment %s while order %s is CONFIRMED', p.status, o.id) AS detail
      FROM payments p JOIN orders o ON o.payment_id = p.id
     WHERE p.status IN ('REFUNDING', 'REFUNDED') AND o.status = 'CONFIRMED'
    UNION ALL
    SELECT l.event_id, rp.id::text, format('resale purchase %s while its listing %s is SOLD and order %s CONFIRMED', rp.status, l.id, o.id)
      FROM resale_purchases rp JOIN resale_listings l ON l.purchase_id = rp.id AND l.status = 'SOLD' JOIN orders o ON o.id = l.order_id
     WHERE rp.status IN ('REFUNDING', 'REFUNDED') AND o.status = 'CONFIRMED'`,
  MONEY_UNSETTLED: `
    SELECT r.event_id, p.id::text AS subject, format('payment %s for %s', p.status, date_trunc('second', now() - p.updated_at)) AS detail
      FROM payments p JOIN reservations r ON r.id = p.reservation_id
     WHERE p.status IN ('PENDING', 'REFUNDING') AND p.updated_at < now() - make_interval(secs => $1)
    UNION ALL
    SELECT event_id, id::text, format('order REFUNDING for %s', date_trunc('second', now() - refund_requested_at))
      FROM orders WHERE status = 'REFUNDING' AND refund_requested_at < now() - make_interval(secs => $1)
    UNION ALL
    SELECT l.event_id, rp.id::text, format('resale purchase %s for %s', rp.status, date_trunc('second', now() - rp.updated_at))
      FROM resale_purchases rp JOIN resale_listings l ON l.id = rp.listing_id
     WHERE rp.status IN ('PENDING', 'REFUNDING') AND rp.updated_at < now() - make_interval(secs => $1)
    UNION ALL
    SELECT l.event_id, po.id::text, format('resale payout PENDING for %s', date_trunc('second', now() - po.updated_at))
      FROM resale_payouts po JOIN resale_listings l ON l.id = po.listing_id
     WHERE po.status = 'PENDING' AND po.updated_at < now() - make_interval(secs => $1)`,
  PAYOUT_MISMATCH: `
    SELECT l.event_id, l.id::text AS subject,
           format('SOLD %s ago with %s payout(s) paid (%s cents; the seller is owed %s)', date_trunc('second', now() - l.closed_at),
                  count(po.id), coalesce(sum(po.amount_cents), 0), l.seller_payout_cents) AS detail
      FROM resale_listings l
      LEFT JOIN resale_payouts po ON po.listing_id = l.id AND po.status = 'PAID'
     WHERE l.status = 'SOLD' AND l.closed_at < now() - make_interval(secs => $1)
     GROUP BY l.event_id, l.id, l.closed_at, l.seller_payout_cents
    HAVING count(po.id) <> 1 OR coalesce(sum(po.amount_cents), 0) <> l.seller_payout_cents
    UNION ALL
    SELECT l.event_id, po.id::text, format('payout %s of %s cents for listing %s, which is %s', po.status, po.amount_cents, l.id, l.status)
      FROM resale_payouts po JOIN resale_listings l ON l.id = po.listing_id
     WHERE po.status IN ('PENDING', 'PAID') AND l.status <> 'SOLD'`,
  RESALE_CHARGE_WITHOUT_SALE: `
    SELECT l.event_id, rp.id::text AS subject,
           format('%s cents captured %s ago for listing %s (%s), which it did not buy; not refunded', rp.amount_cents,
                  date_trunc('second', now() - rp.updated_at), l.id, l.status) AS detail
      FROM resale_purchases rp JOIN resale_listings l ON l.id = rp.listing_id
     WHERE rp.status = 'SUCCEEDED' AND l.purchase_id IS DISTINCT FROM rp.id AND rp.updated_at < now() - make_interval(secs => $1)`,
};

const MONEY_CHECKS = new Set<ReconciliationCheck>(['CAPTURED_WITHOUT_ORDER', 'MONEY_UNSETTLED', 'PAYOUT_MISMATCH', 'RESALE_CHARGE_WITHOUT_SALE']);

/** Runs every database check. `HOLD_WITHOUT_WORKFLOW` needs Temporal: see openReservations(). */
export async function runDatabaseChecks(pool: Pool, options: CheckOptions): Promise<CheckResults> {
  const counts = Object.fromEntries(RECONCILIATION_CHECKS.map((c) => [c, 0])) as Record<ReconciliationCheck, number>;
  const findings: Finding[] = [];
  for (const [check, sql] of Object.entries(QUERIES) as Array<[ReconciliationCheck, string]>) {
    const grace = MONEY_CHECKS.has(check) ? options.moneyGraceSeconds : options.holdGraceSeconds;
    // Every query is scoped the same way; $1 (the grace) is typed even where a check does not use it.
    const scoped = `SELECT * FROM (${sql}) f WHERE ($2::uuid IS NULL OR f.event_id = $2) AND $1::int IS NOT NULL`;
    const { rows } = await pool.query<{ event_id: string | null; subject: string; detail: string }>(scoped, [grace, options.eventId ?? null]);
    counts[check] = rows.length;
    findings.push(...rows.slice(0, options.limit).map((r) => ({ check, event_id: r.event_id, subject: r.subject, detail: r.detail })));
  }
  const events = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM events WHERE $1::uuid IS NULL OR id = $1', [options.eventId ?? null]);
  return { eventsChecked: events.rows[0]?.n ?? 0, counts, findings };
}

/** Open reservations old enough that their workflow must be visible as running by now. */
export async function openReservations(pool: Pool, olderThanSeconds: number, eventId: string | null = null): Promise<Array<{ id: string; event_id: string }>> {
  const { rows } = await pool.query<{ id: string; event_id: string }>(
    `SELECT id, event_id FROM reservations
      WHERE status IN ('HELD', 'PAYMENT_PENDING') AND created_at < now() - make_interval(secs => $1)
        AND ($2::uuid IS NULL OR event_id = $2)`,
    [olderThanSeconds, eventId],
  );
  return rows;
}
