import { createHash } from 'node:crypto';
import type { Queryable } from '../db/transaction';
import type { GaRequest } from '../domain/reservation';

/**
 * A fingerprint of what a reservation request asks for, stored with its idempotency key: a retry
 * must ask for the same thing (the order of seats or GA lines does not matter), or it is refused.
 */
export function reservationRequestHash(body: {
  event_id: string;
  seat_ids: string[];
  ga: GaRequest[];
  hold_duration_seconds?: number | undefined;
}): string {
  const canonical = {
    event_id: body.event_id.toLowerCase(),
    seat_ids: body.seat_ids.map((id) => id.toLowerCase()).sort(),
    ga: body.ga.map((g) => [g.section_id.toLowerCase(), g.quantity] as const).sort((a, b) => a[0].localeCompare(b[0])),
    hold_duration_seconds: body.hold_duration_seconds ?? null,
  };
  return createHash('sha256').update(JSON.stringify(canonical)).digest('hex');
}

/** The fingerprint stored with the reservation's first request; null when it had no idempotency key. */
export async function storedRequestHash(db: Queryable, reservationId: string): Promise<string | null> {
  const { rows } = await db.query<{ request_hash: string | null }>('SELECT request_hash FROM reservations WHERE id = $1', [reservationId]);
  return rows[0]?.request_hash ?? null;
}
