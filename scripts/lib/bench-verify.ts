/**
 * What PostgreSQL, the source of truth, says after the sale: oversells, per-section invariants,
 * holds that outlived their deadline, and how late the durable timers released expired holds.
 * Everything is read in one REPEATABLE READ snapshot so the numbers agree with each other.
 */
import type { Pool, PoolClient } from 'pg';
import { summarize, type Percentiles } from './bench-stats';

export interface Oversold {
  total: number;
  seats_with_several_live_tickets: number;
  ga_sections_over_capacity: number;
  sold_seats_without_live_ticket: number;
  live_tickets_on_unsold_seat: number;
  live_tickets_on_seat_sold_to_another_reservation: number;
}

export interface SectionCheck {
  section_id: string;
  name: string;
  kind: 'SEATED' | 'GA';
  ok: boolean;
  /** SEATED: total, available, held, sold, seat_rows. GA: capacity, held, sold, available, ga_holds_held, ga_holds_sold, live_tickets. */
  counts: Record<string, number>;
  problems: string[];
}

export interface StuckHolds {
  count: number;
  sample_ids: string[];
}

export interface ReleaseLag extends Percentiles {
  min_ms: number | null;
}

export interface EventVerification {
  event_id: string;
  oversold: Oversold;
  sections: SectionCheck[];
  reservations_by_status: Record<string, number>;
}

const LIVE = `('ACTIVE', 'USED')`;

async function count(db: PoolClient, sql: string, eventId: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>(sql, [eventId]);
  return Number(rows[0]?.n ?? 0);
}

async function oversold(db: PoolClient, eventId: string): Promise<Oversold> {
  const parts = {
    seats_with_several_live_tickets: await count(
      db,
      `SELECT count(*) AS n FROM (SELECT seat_id FROM tickets WHERE event_id = $1 AND seat_id IS NOT NULL AND status IN ${LIVE}
        GROUP BY seat_id HAVING count(*) > 1) d`,
      eventId,
    ),
    ga_sections_over_capacity: await count(
      db,
      'SELECT count(*) AS n FROM ga_inventory WHERE event_id = $1 AND (sold > capacity OR held + sold > capacity)',
      eventId,
    ),
    sold_seats_without_live_ticket: await count(
      db,
      `SELECT count(*) AS n FROM seats s WHERE s.event_id = $1 AND s.status = 'SOLD'
        AND NOT EXISTS (SELECT 1 FROM tickets t WHERE t.seat_id = s.id AND t.status IN ${LIVE})`,
      eventId,
    ),
    live_tickets_on_unsold_seat: await count(
      db,
      `SELECT count(*) AS n FROM tickets t JOIN seats s ON s.id = t.seat_id
        WHERE t.event_id = $1 AND t.status IN ${LIVE} AND s.status <> 'SOLD'`,
      eventId,
    ),
    // A seat SOLD to reservation A while B's order holds a live ticket for it is a double sale too.
    live_tickets_on_seat_sold_to_another_reservation: await count(
      db,
      `SELECT count(*) AS n FROM tickets t JOIN seats s ON s.id = t.seat_id JOIN orders o ON o.id = t.order_id
        WHERE t.event_id = $1 AND t.status IN ${LIVE} AND s.status = 'SOLD' AND s.reservation_id <> o.reservation_id`,
      eventId,
    ),
  };
  return { total: Object.values(parts).reduce((a, b) => a + b, 0), ...parts };
}

interface SeatedRow {
  section_id: string;
  name: string;
  total: number;
  seat_rows: number;
  available: number;
  held: number;
  sold: number;
}

/** A HELD seat past its held_until counts as available, exactly as the API and the hold statement treat it. */
async function seatedSections(db: PoolClient, eventId: string): Promise<SectionCheck[]> {
  const { rows } = await db.query<SeatedRow>(
    `SELECT sec.id AS section_id, sec.name, sec.rows * sec.seats_per_row AS total, count(s.id)::int AS seat_rows,
            count(*) FILTER (WHERE s.status = 'AVAILABLE' OR (s.status = 'HELD' AND s.held_until <= now()))::int AS available,
            count(*) FILTER (WHERE s.status = 'HELD' AND s.held_until > now())::int AS held,
            count(*) FILTER (WHERE s.status = 'SOLD')::int AS sold
       FROM events e JOIN sections sec ON sec.venue_id = e.venue_id AND sec.kind = 'SEATED'
       LEFT JOIN seats s ON s.section_id = sec.id AND s.event_id = e.id
      WHERE e.id = $1
      GROUP BY sec.id, sec.name, sec.rows, sec.seats_per_row
      ORDER BY sec.name`,
    [eventId],
  );
  return rows.map((r) => {
    const problems: string[] = [];
    if (r.available + r.held + r.sold !== r.total) {
      problems.push(`available ${r.available} + held ${r.held} + sold ${r.sold} = ${r.available + r.held + r.sold} != total ${r.total}`);
    }
    if (r.seat_rows !== r.total) problems.push(`${r.seat_rows} seat rows for ${r.total} seats`);
    const { section_id, name, ...counts } = r;
    return { section_id, name, kind: 'SEATED', ok: problems.length === 0, counts, problems };
  });
}

interface GaRow {
  section_id: string;
  name: string;
  capacity: number;
  held: number;
  sold: number;
  ga_holds_held: number;
  ga_holds_sold: number;
  live_tickets: number;
}

async function gaSections(db: PoolClient, eventId: string): Promise<SectionCheck[]> {
  const { rows } = await db.query<GaRow>(
    `SELECT g.section_id, sec.name, g.capacity, g.held, g.sold,
            COALESCE((SELECT sum(h.quantity) FROM ga_holds h
                       WHERE h.event_id = g.event_id AND h.section_id = g.section_id AND h.status = 'HELD'), 0)::int AS ga_holds_held,
            COALESCE((SELECT sum(h.quantity) FROM ga_holds h
                       WHERE h.event_id = g.event_id AND h.section_id = g.section_id AND h.status = 'SOLD'), 0)::int AS ga_holds_sold,
            (SELECT count(*) FROM tickets t
              WHERE t.event_id = g.event_id AND t.section_id = g.section_id AND t.seat_id IS NULL AND t.status IN ${LIVE})::int AS live_tickets
       FROM ga_inventory g JOIN sections sec ON sec.id = g.section_id
      WHERE g.event_id = $1
      ORDER BY sec.name`,
    [eventId],
  );
  return rows.map((r) => {
    const available = r.capacity - r.held - r.sold;
    const problems: string[] = [];
    if (available < 0) problems.push(`capacity ${r.capacity} - held ${r.held} - sold ${r.sold} = ${available} < 0`);
    if (r.ga_holds_held !== r.held) problems.push(`ga_holds HELD sum ${r.ga_holds_held} != held ${r.held}`);
    if (r.ga_holds_sold !== r.sold) problems.push(`ga_holds SOLD sum ${r.ga_holds_sold} != sold ${r.sold}`);
    if (r.live_tickets !== r.sold) problems.push(`${r.live_tickets} live GA tickets != sold ${r.sold}`);
    const { section_id, name, ...rest } = r;
    return { section_id, name, kind: 'GA', ok: problems.length === 0, counts: { ...rest, available }, problems };
  });
}

async function reservationsByStatus(db: PoolClient, eventId: string): Promise<Record<string, number>> {
  const { rows } = await db.query<{ status: string; n: number }>(
    'SELECT status, count(*)::int AS n FROM reservations WHERE event_id = $1 GROUP BY status ORDER BY status',
    [eventId],
  );
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
}

async function inSnapshot<T>(pool: Pool, fn: (db: PoolClient) => Promise<T>): Promise<T> {
  const db = await pool.connect();
  try {
    await db.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const result = await fn(db);
    await db.query('COMMIT');
    return result;
  } catch (err) {
    await db.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    db.release();
  }
}

export function verifyEvent(pool: Pool, eventId: string): Promise<EventVerification> {
  return inSnapshot(pool, async (db) => ({
    event_id: eventId,
    oversold: await oversold(db, eventId),
    sections: [...(await seatedSections(db, eventId)), ...(await gaSections(db, eventId))],
    reservations_by_status: await reservationsByStatus(db, eventId),
  }));
}

/** Holds the timers should have released by now: more than 5 s past held_until and still live. */
export async function stuckHolds(pool: Pool, eventId: string): Promise<StuckHolds> {
  const { rows } = await pool.query<{ id: string }>(
    `SELECT id FROM reservations
      WHERE event_id = $1 AND status IN ('HELD', 'PAYMENT_PENDING') AND held_until < now() - interval '5 seconds'
      ORDER BY held_until`,
    [eventId],
  );
  return { count: rows.length, sample_ids: rows.slice(0, 10).map((r) => r.id) };
}

/**
 * released_at is set with now() by the release transaction the workflow runs when its durable timer
 * fires, so released_at - held_until is the timer's real lateness (plus one short transaction).
 */
export async function releaseLag(pool: Pool, eventId: string): Promise<ReleaseLag> {
  const { rows } = await pool.query<{ lag_ms: number }>(
    `SELECT (extract(epoch FROM (released_at - held_until)) * 1000)::float8 AS lag_ms
       FROM reservations WHERE event_id = $1 AND status = 'EXPIRED'`,
    [eventId],
  );
  const lags = rows.map((r) => r.lag_ms);
  return { ...summarize(lags), min_ms: lags.length > 0 ? Math.round(Math.min(...lags) * 10) / 10 : null };
}

/**
 * The latest deadline among the sale's short holds (those asked with --hold-seconds), including holds
 * the client never heard back about (answered 503 but made by the workflow anyway), which the bench's
 * own list of abandoned holds misses. null when there is none.
 */
export async function lastShortHoldDeadline(pool: Pool, eventId: string, holdSeconds: number): Promise<number | null> {
  const { rows } = await pool.query<{ last: Date | null }>(
    `SELECT max(held_until) AS last FROM reservations
      WHERE event_id = $1 AND held_until - created_at <= make_interval(secs => $2)`,
    [eventId, holdSeconds + 1],
  );
  return rows[0]?.last ? rows[0].last.getTime() : null;
}
