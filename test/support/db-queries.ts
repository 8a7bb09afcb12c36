import type { Pool } from 'pg';

/** Raw facts straight from PostgreSQL, so tests assert on the source of truth, not on what the API says. */
export async function seatStatuses(pool: Pool, seatIds: string[]): Promise<string[]> {
  const { rows } = await pool.query<{ status: string }>('SELECT status FROM seats WHERE id = ANY($1::uuid[]) ORDER BY id', [seatIds]);
  return rows.map((r) => r.status);
}

export async function gaCounter(pool: Pool, eventId: string, sectionId: string): Promise<{ capacity: number; held: number; sold: number }> {
  const { rows } = await pool.query<{ capacity: number; held: number; sold: number }>(
    'SELECT capacity, held, sold FROM ga_inventory WHERE event_id = $1 AND section_id = $2',
    [eventId, sectionId],
  );
  const row = rows[0];
  if (!row) throw new Error('no GA counter');
  return row;
}

export async function paymentsOf(pool: Pool, reservationId: string): Promise<Array<{ status: string; amount_cents: number }>> {
  const { rows } = await pool.query<{ status: string; amount_cents: number }>(
    'SELECT status, amount_cents FROM payments WHERE reservation_id = $1 ORDER BY created_at',
    [reservationId],
  );
  return rows;
}

export async function reservationRow(pool: Pool, reservationId: string): Promise<{ status: string; release_reason: string | null } | undefined> {
  const { rows } = await pool.query<{ status: string; release_reason: string | null }>(
    'SELECT status, release_reason FROM reservations WHERE id = $1',
    [reservationId],
  );
  return rows[0];
}

export async function auditActions(pool: Pool, reservationId: string): Promise<string[]> {
  const { rows } = await pool.query<{ action: string }>(
    'SELECT DISTINCT action FROM inventory_audit_log WHERE reservation_id = $1 ORDER BY action',
    [reservationId],
  );
  return rows.map((r) => r.action);
}
