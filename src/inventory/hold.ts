import type { Pool } from 'pg';
import { AppError, isErrorCode } from '../domain/errors';
import type { GaRequest, ReservationView } from '../domain/reservation';
import { requireReservationView } from './reservation-view';

export interface HoldCommand {
  reservationId: string;
  eventId: string;
  userId: string;
  seatIds: string[];
  ga: GaRequest[];
  heldUntil: Date;
  maxExtensions: number;
  idempotencyKey: string | null;
  /** Fingerprint of the request an idempotency key was first used with. */
  requestHash?: string | null;
  /**
   * The queue token a high-demand event's hold is made with (src/waiting-room/queue-token.ts): it backs
   * at most one open hold at a time, and none once a purchase made with it is confirmed.
   */
  queueTokenId?: string | null;
  /**
   * When the caller stops waiting for this attempt (the activity's timeout). Lock waits end before it and
   * the transaction rolls back rather than commit after it, so an attempt nobody waits for any more
   * cannot leave a hold behind.
   */
  mustCommitBy?: Date;
}

/** What the database function answers for a hold it made (migration 012). */
interface MadeHold {
  created: true;
  seats: Array<{ seat_id: string; section_id: string; row: string; number: number; price_cents: number }>;
  ga: Array<{ section_id: string; quantity: number; price_cents: number }>;
  total_price_cents: number;
  created_at: string;
}

/** SQLSTATE of the hold function's business refusals: DETAIL carries the contract's code, HINT its details. */
const REFUSED = 'TK001';
const ONE_PURCHASE_PER_QUEUE_TOKEN = 'reservations_one_purchase_per_queue_token';

/**
 * Holds every seat and GA ticket of a reservation, or nothing, in one transaction: the database function
 * hold_reservation (migration 012), called as one statement, so a hold is one round trip with plans
 * prepared once per connection.
 *
 * Its rules: rows are locked before they are judged (never check-then-act), in the one lock order
 * (src/inventory/locks.ts): the buyer's presale lock, the queue token's, the reservation's attempts, seats
 * by id, then GA counters by section; every guarded write is compared with the rows it was meant to change.
 * A HELD seat or GA hold whose deadline has passed counts as available (a worker outage can delay a release
 * but never keep inventory off sale), except where fans wait for the section: then the lapsed places are
 * theirs, and the release offers them (src/waitlist/offer-places.ts). Retrying the same reservation returns
 * the hold already made (Temporal retries activities).
 */
export async function holdInventory(pool: Pool, cmd: HoldCommand): Promise<ReservationView> {
  return (await holdInventoryOnce(pool, cmd)).view;
}

/**
 * The same, saying whether this call made the hold. `created` is false when the reservation already
 * existed: an earlier attempt made it, or a waiting-list offer did (src/waitlist), whose workflow
 * adopts the hold as it is, held_until included.
 */
export async function holdInventoryOnce(pool: Pool, cmd: HoldCommand): Promise<{ view: ReservationView; created: boolean }> {
  let made: MadeHold | { created: false };
  try {
    const { rows } = await pool.query<{ hold: MadeHold | { created: false } }>({
      name: 'hold_reservation',
      text: 'SELECT hold_reservation($1, $2, $3, $4::uuid[], $5::uuid[], $6::int[], $7, $8, $9, $10, $11, $12) AS hold',
      values: [
        cmd.reservationId,
        cmd.eventId,
        cmd.userId,
        cmd.seatIds,
        cmd.ga.map((g) => g.section_id),
        cmd.ga.map((g) => g.quantity),
        cmd.heldUntil,
        cmd.maxExtensions,
        cmd.idempotencyKey,
        cmd.requestHash ?? null,
        cmd.queueTokenId ?? null,
        cmd.mustCommitBy ?? null,
      ],
    });
    made = rows[0]!.hold;
  } catch (err) {
    throw refusalOf(err) ?? err;
  }
  if (!made.created) return { view: await requireReservationView(pool, cmd.reservationId), created: false };
  return { view: viewOf(cmd, made), created: true };
}

/** The new hold as the contract shows it, from what the function answered: no read after the commit. */
function viewOf(cmd: HoldCommand, made: MadeHold): ReservationView {
  return {
    reservation_id: cmd.reservationId,
    event_id: cmd.eventId,
    user_id: cmd.userId,
    status: 'HELD',
    seats: made.seats.map((s) => ({ seat_id: s.seat_id, section_id: s.section_id, row: s.row, number: s.number, price_cents: s.price_cents })),
    ga: made.ga.map((g) => ({ section_id: g.section_id, quantity: g.quantity, price_cents: g.price_cents })),
    total_price_cents: made.total_price_cents,
    held_until: cmd.heldUntil.toISOString(),
    extensions_used: 0,
    max_hold_extensions: cmd.maxExtensions,
    payment_attempts: 0,
    order_id: null,
    tickets: [],
    release_reason: null,
    created_at: made.created_at,
    updated_at: made.created_at,
  };
}

function refusalOf(err: unknown): AppError | null {
  const pg = err as { code?: string; detail?: string; hint?: string; message?: string; constraint?: string };
  if (pg.code === REFUSED && isErrorCode(pg.detail)) {
    return new AppError(pg.detail, pg.message ?? pg.detail, pg.hint ? (JSON.parse(pg.hint) as Record<string, unknown>) : {});
  }
  // The index behind the token check, should anything ever get past it.
  if (pg.constraint === ONE_PURCHASE_PER_QUEUE_TOKEN) {
    return new AppError('HOLD_ALREADY_OPEN', 'a hold made with this queue token is still open: buy or cancel it first');
  }
  return null;
}
