import type { PoolClient } from 'pg';
import { rowLabel } from './row-labels';

/**
 * One seat row per seat of every priced SEATED section and one counter per priced GA section, built
 * set-based in PostgreSQL (a 100,000-seat arena is one statement, not 100,000 round trips).
 * Sections without a price are not on sale for this event and get no inventory. Runs inside the
 * transaction that creates the event, after its prices; `maxRows` is the venue's longest section.
 */
export async function buildEventInventory(db: PoolClient, eventId: string, maxRows: number): Promise<void> {
  const labels = Array.from({ length: maxRows }, (_, i) => rowLabel(i));
  // A large venue can take longer than the API's default statement timeout; this is a one-off admin write.
  await db.query("SET LOCAL statement_timeout = '120s'");
  await db.query(
    `INSERT INTO seats (event_id, section_id, row_label, seat_number)
     SELECT p.event_id, s.id, ($2::text[])[r.n], n.n
       FROM event_prices p
       JOIN sections s ON s.id = p.section_id AND s.kind = 'SEATED'
       CROSS JOIN LATERAL generate_series(1, s.rows) AS r(n)
       CROSS JOIN LATERAL generate_series(1, s.seats_per_row) AS n(n)
      WHERE p.event_id = $1
      ORDER BY s.position, r.n, n.n`,
    [eventId, labels],
  );
  await db.query(
    `INSERT INTO ga_inventory (event_id, section_id, capacity)
     SELECT p.event_id, s.id, s.capacity
       FROM event_prices p JOIN sections s ON s.id = p.section_id AND s.kind = 'GA'
      WHERE p.event_id = $1`,
    [eventId],
  );
}
