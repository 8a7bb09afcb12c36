import type { Pool } from 'pg';

/** What each reservation status means for the inventory it names. */
const GA_HOLD_STATUS_OF = `CASE WHEN r.status IN ('HELD', 'PAYMENT_PENDING') THEN 'HELD' WHEN r.status = 'CONFIRMED' THEN 'SOLD' ELSE 'RELEASED' END`;

const CHECKS: Array<{ problem: string; sql: string }> = [
  {
    problem: 'GA counter disagrees with the holds it counts',
    sql: `SELECT g.section_id AS id FROM ga_inventory g,
            LATERAL (SELECT coalesce(sum(quantity) FILTER (WHERE status = 'HELD'), 0) AS held,
                            coalesce(sum(quantity) FILTER (WHERE status = 'SOLD'), 0) AS sold
                       FROM ga_holds h WHERE h.event_id = g.event_id AND h.section_id = g.section_id) counted
           WHERE g.event_id = $1 AND (g.held <> counted.held OR g.sold <> counted.sold)`,
  },
  {
    problem: 'seat held or sold for a reservation of another status',
    sql: `SELECT s.id FROM seats s LEFT JOIN reservations r ON r.id = s.reservation_id
           WHERE s.event_id = $1 AND s.status <> 'AVAILABLE'
             AND (r.id IS NULL OR (s.status = 'HELD' AND r.status NOT IN ('HELD', 'PAYMENT_PENDING')) OR (s.status = 'SOLD' AND r.status <> 'CONFIRMED'))`,
  },
  {
    problem: 'live reservation missing a seat it names',
    sql: `SELECT r.id FROM reservations r JOIN reservation_items i ON i.reservation_id = r.id JOIN seats s ON s.id = i.seat_id
           WHERE r.event_id = $1 AND r.status IN ('HELD', 'PAYMENT_PENDING', 'CONFIRMED')
             AND (s.reservation_id IS DISTINCT FROM r.id OR s.status <> CASE WHEN r.status = 'CONFIRMED' THEN 'SOLD' ELSE 'HELD' END)`,
  },
  {
    problem: 'GA share in a state its reservation is not in',
    sql: `SELECT r.id FROM reservations r JOIN ga_holds h ON h.reservation_id = r.id
           WHERE r.event_id = $1 AND h.status <> ${GA_HOLD_STATUS_OF}`,
  },
  {
    problem: 'live reservation without the GA share it names',
    sql: `SELECT r.id FROM reservations r JOIN reservation_items i ON i.reservation_id = r.id AND i.seat_id IS NULL
           WHERE r.event_id = $1 AND r.status IN ('HELD', 'PAYMENT_PENDING', 'CONFIRMED')
             AND NOT EXISTS (SELECT 1 FROM ga_holds h WHERE h.reservation_id = r.id AND h.section_id = i.section_id AND h.quantity = i.quantity)`,
  },
];

/**
 * Everything in PostgreSQL about an event's inventory that does not add up: oversold or half-done
 * state. Read in one snapshot, so work finishing meanwhile cannot look like a discrepancy. Empty when
 * all is well.
 */
export async function inventoryDiscrepancies(pool: Pool, eventId: string): Promise<string[]> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const found: string[] = [];
    for (const { problem, sql } of CHECKS) {
      const { rows } = await client.query<{ id: string }>(sql, [eventId]);
      found.push(...rows.map((r) => `${problem}: ${r.id}`));
    }
    await client.query('COMMIT');
    return found;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}
