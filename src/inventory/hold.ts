import type { Pool, PoolClient } from 'pg';
import { withTransaction } from '../db/transaction';
import { AppError } from '../domain/errors';
import type { GaRequest, ReservationView } from '../domain/reservation';
import { appendAudit, type AuditEntry } from './audit';
import { lockBuyerOfEvent, lockQueueToken, lockReservationAttempts } from './locks';
import { countLiveAndSoldTickets, readSaleWindow, refuseOutsideSale, type SaleWindow } from './sale-window';
import { requireReservationView } from './reservation-view';
import { sectionsWithFansWaiting } from '../waitlist/waitlist-entries';

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
   * When the caller stops waiting for this attempt (the activity's timeout). Statements are cut off
   * before it and the transaction rolls back rather than commit after it, so an attempt nobody waits
   * for any more cannot leave a hold behind.
   */
  mustCommitBy?: Date;
}

interface SeatRow {
  id: string;
  section_id: string;
  status: 'AVAILABLE' | 'HELD' | 'SOLD';
  reservation_id: string | null;
  expired: boolean;
}

interface Item {
  sectionId: string;
  seatId: string | null;
  quantity: number;
  priceCents: number;
}

/**
 * Holds every seat and GA ticket of a reservation, or nothing, in one transaction.
 *
 * Rows are locked before they are judged (never check-then-act), always seats first in id order and
 * then GA counters in section order, so two holds can wait on each other but never deadlock.
 * A HELD seat or GA hold whose deadline has passed counts as available: a worker outage can delay
 * the release workflow but never keep inventory off sale. Except where fans wait for the section:
 * then the lapsed places are theirs, and its release offers them (src/waitlist/offer-places.ts).
 * Retrying the same reservation returns the hold already made (Temporal retries activities).
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
  const created = await withTransaction(pool, (db) => holdInTransaction(db, cmd));
  // Read after COMMIT: the GA counter is a hot row, and its lock should not wait on this read.
  return { view: await requireReservationView(pool, cmd.reservationId), created };
}

async function holdInTransaction(db: PoolClient, cmd: HoldCommand): Promise<boolean> {
  if (cmd.mustCommitBy) await limitStatementsTo(db, cmd.mustCommitBy);
  const sale = await readSaleWindow(db, cmd.eventId);
  // First in the lock order: this buyer's other holds of the event wait here, so two at once cannot
  // both fit under the presale limit.
  if (sale.presale) await lockBuyerOfEvent(db, cmd.eventId, cmd.userId);
  // Second: the other holds made with this queue token wait here, so one token backs one hold.
  if (cmd.queueTokenId) await lockQueueToken(db, cmd.queueTokenId);
  // A retry started while an earlier attempt still runs waits here for it, then finds its hold: that
  // hold is this reservation's, so the retry succeeds instead of finding "its" seats taken.
  await lockReservationAttempts(db, cmd.reservationId);
  const existing = await db.query('SELECT 1 FROM reservations WHERE id = $1', [cmd.reservationId]);
  if (existing.rowCount) return false;

  refuseOutsideSale(cmd.eventId, sale);
  if (sale.presale) await assertWithinPresaleLimit(db, cmd, sale.presale);
  if (cmd.queueTokenId) await assertQueueTokenFree(db, cmd.queueTokenId);
  const prices = await loadPrices(db, cmd.eventId, sale.demandPricing);
  const seats = await lockSeats(db, cmd);
  const items: Item[] = seats.map((s) => ({
    sectionId: s.section_id,
    seatId: s.id,
    quantity: 1,
    priceCents: priceOf(prices, s.section_id),
  }));
  for (const request of [...cmd.ga].sort((a, b) => a.section_id.localeCompare(b.section_id))) {
    items.push({
      sectionId: request.section_id,
      seatId: null,
      quantity: request.quantity,
      priceCents: priceOf(prices, request.section_id),
    });
  }
  const total = items.reduce((sum, item) => sum + item.priceCents * item.quantity, 0);

  await db
    .query(
      `INSERT INTO reservations (id, event_id, user_id, status, held_until, max_hold_extensions, total_price_cents, idempotency_key, request_hash, queue_token_id)
       VALUES ($1, $2, $3, 'HELD', $4, $5, $6, $7, $8, $9)`,
      [cmd.reservationId, cmd.eventId, cmd.userId, cmd.heldUntil, cmd.maxExtensions, total, cmd.idempotencyKey, cmd.requestHash ?? null, cmd.queueTokenId ?? null],
    )
    .catch((err: unknown) => {
      // The index behind the check above, should anything ever get past it.
      if ((err as { constraint?: unknown }).constraint === ONE_PURCHASE_PER_QUEUE_TOKEN) throw holdAlreadyOpen();
      throw err;
    });
  await db.query(
    `INSERT INTO reservation_items (reservation_id, position, section_id, seat_id, quantity, price_cents)
     SELECT $1, i.position, i.section_id, i.seat_id, i.quantity, i.price_cents
       FROM unnest($2::int[], $3::uuid[], $4::uuid[], $5::int[], $6::int[])
         AS i(position, section_id, seat_id, quantity, price_cents)`,
    [
      cmd.reservationId,
      items.map((_, index) => index),
      items.map((i) => i.sectionId),
      items.map((i) => i.seatId),
      items.map((i) => i.quantity),
      items.map((i) => i.priceCents),
    ],
  );
  await reclaimExpiredSeats(db, cmd, seats);
  if (seats.length > 0) {
    await db.query(
      `UPDATE seats SET status = 'HELD', reservation_id = $2, held_until = $3, version = version + 1
        WHERE event_id = $1 AND id = ANY($4::uuid[])`,
      [cmd.eventId, cmd.reservationId, cmd.heldUntil, seats.map((s) => s.id)],
    );
  }
  for (const item of items.filter((i) => i.seatId === null)) {
    await holdGa(db, cmd, item.sectionId, item.quantity);
  }
  const audit: AuditEntry[] = items.map((i) => ({
    eventId: cmd.eventId,
    reservationId: cmd.reservationId,
    sectionId: i.sectionId,
    seatId: i.seatId,
    quantity: i.quantity,
  }));
  await appendAudit(db, 'HOLD', `user:${cmd.userId}`, audit);
  if (cmd.mustCommitBy && Date.now() >= cmd.mustCommitBy.getTime()) {
    throw new Error('the hold attempt outlived its deadline and was rolled back');
  }
  return true;
}

const ONE_PURCHASE_PER_QUEUE_TOKEN = 'reservations_one_purchase_per_queue_token';

/**
 * One queue token, one purchase (the contract's Fairness rules), decided under the token's lock: no
 * other hold made with it is open, and none was bought. A hold that expired or was cancelled does not
 * count, so the fan may try again within the window.
 */
async function assertQueueTokenFree(db: PoolClient, queueTokenId: string): Promise<void> {
  const { rows } = await db.query<{ status: string }>(
    `SELECT status FROM reservations WHERE queue_token_id = $1 AND status IN ('HELD', 'PAYMENT_PENDING', 'CONFIRMED', 'REFUNDED')`,
    [queueTokenId],
  );
  if (rows.some((r) => r.status === 'CONFIRMED' || r.status === 'REFUNDED')) {
    throw new AppError('QUEUE_TOKEN_USED', 'this queue token was used for a purchase already: join the queue again to buy more');
  }
  if (rows.length > 0) throw holdAlreadyOpen();
}

function holdAlreadyOpen(): AppError {
  return new AppError('HOLD_ALREADY_OPEN', 'a hold made with this queue token is still open: buy or cancel it first');
}

/** Every statement of the attempt ends before its deadline, with a margin for the commit. */
async function limitStatementsTo(db: PoolClient, deadline: Date): Promise<void> {
  const remaining = deadline.getTime() - Date.now() - COMMIT_MARGIN_MS;
  if (remaining <= 0) throw new Error('the hold attempt started after its deadline');
  await db.query(`SELECT set_config('statement_timeout', $1, true)`, [String(Math.floor(remaining))]);
}

const COMMIT_MARGIN_MS = 250;

/** The presale's per-user limit, counted under the buyer's lock: live holds and confirmed tickets of the event. */
async function assertWithinPresaleLimit(db: PoolClient, cmd: HoldCommand, presale: NonNullable<SaleWindow['presale']>): Promise<void> {
  const requested = cmd.seatIds.length + cmd.ga.reduce((sum, line) => sum + line.quantity, 0);
  const already = await countLiveAndSoldTickets(db, cmd.eventId, cmd.userId);
  if (already + requested > presale.maxTicketsPerUser) {
    throw new AppError('PRESALE_LIMIT_EXCEEDED', `this presale allows ${presale.maxTicketsPerUser} tickets per buyer`, {
      max_tickets_per_user: presale.maxTicketsPerUser,
      already_held_or_bought: already,
      requested,
    });
  }
}

/**
 * The event's prices, read once: every line of the hold is priced from this one read, and the
 * reservation keeps these prices whatever happens to the event's prices later. A DEMAND event's price
 * rows are locked FOR SHARE (src/inventory/locks.ts) until the hold commits: a price change waits for
 * the holds being made at the old price, and a hold that waited for a price change reads the new one,
 * so every hold's price is the one in force when it committed.
 */
async function loadPrices(db: PoolClient, eventId: string, demandPricing: boolean): Promise<Map<string, number>> {
  const { rows } = await db.query<{ section_id: string; price_cents: number }>(
    `SELECT section_id, price_cents FROM event_prices WHERE event_id = $1${demandPricing ? ' ORDER BY section_id FOR SHARE' : ''}`,
    [eventId],
  );
  return new Map(rows.map((r) => [r.section_id, r.price_cents]));
}

function priceOf(prices: Map<string, number>, sectionId: string): number {
  const price = prices.get(sectionId);
  if (price === undefined) {
    throw new AppError('VALIDATION_ERROR', 'a requested section is not on sale for this event', {
      details: [{ field: 'section_id', message: `section ${sectionId} has no price for this event` }],
    });
  }
  return price;
}

async function lockSeats(db: PoolClient, cmd: HoldCommand): Promise<SeatRow[]> {
  if (cmd.seatIds.length === 0) return [];
  const { rows } = await db.query<SeatRow>(
    `SELECT id, section_id, status, reservation_id, (status = 'HELD' AND held_until <= now()) AS expired
       FROM seats WHERE event_id = $1 AND id = ANY($2::uuid[])
      ORDER BY id FOR UPDATE`,
    [cmd.eventId, cmd.seatIds],
  );
  if (rows.length !== new Set(cmd.seatIds).size) {
    const found = new Set(rows.map((r) => r.id));
    throw new AppError('VALIDATION_ERROR', 'some seats do not belong to this event', {
      details: cmd.seatIds.filter((id) => !found.has(id)).map((id) => ({ field: 'seat_ids', message: `unknown seat ${id}` })),
    });
  }
  // A lapsed hold not yet released is available, unless fans wait for its section: it is theirs then.
  const waitedFor = await sectionsWithFansWaiting(db, cmd.eventId, [...new Set(rows.filter((r) => r.expired).map((r) => r.section_id))]);
  const unavailable = rows.filter((r) => r.status !== 'AVAILABLE' && !(r.expired && !waitedFor.has(r.section_id))).map((r) => r.id);
  if (unavailable.length > 0) {
    throw new AppError('SEATS_UNAVAILABLE', 'some of the seats are no longer available', {
      unavailable_seats: unavailable,
    });
  }
  return rows;
}

/** Seats whose hold lapsed are taken over; the audit log says whose hold it was. */
async function reclaimExpiredSeats(db: PoolClient, cmd: HoldCommand, seats: SeatRow[]): Promise<void> {
  const lapsed = seats.filter((s) => s.expired);
  await appendAudit(
    db,
    'RECLAIM_EXPIRED',
    `user:${cmd.userId}`,
    lapsed.map((s) => ({ eventId: cmd.eventId, reservationId: s.reservation_id, sectionId: s.section_id, seatId: s.id, quantity: 1 })),
    `taken over by reservation ${cmd.reservationId}`,
  );
}

async function holdGa(db: PoolClient, cmd: HoldCommand, sectionId: string, quantity: number): Promise<void> {
  const counter = await db.query<{ capacity: number; held: number; sold: number }>(
    'SELECT capacity, held, sold FROM ga_inventory WHERE event_id = $1 AND section_id = $2 FOR UPDATE',
    [cmd.eventId, sectionId],
  );
  const row = counter.rows[0];
  if (!row) {
    throw new AppError('VALIDATION_ERROR', 'a requested section has no general-admission tickets for this event', {
      details: [{ field: 'ga.section_id', message: `section ${sectionId} is not a GA section of this event` }],
    });
  }
  // Lapsed holds are taken back here, unless fans wait for the section: their release offers them.
  const fansWaiting = (await sectionsWithFansWaiting(db, cmd.eventId, [sectionId])).size > 0;
  const lapsed = fansWaiting
    ? { rows: [] }
    : await db.query<{ reservation_id: string; quantity: number }>(
        `UPDATE ga_holds SET status = 'RELEASED'
          WHERE event_id = $1 AND section_id = $2 AND status = 'HELD' AND held_until <= now()
          RETURNING reservation_id, quantity`,
        [cmd.eventId, sectionId],
      );
  const reclaimed = lapsed.rows.reduce((sum, r) => sum + r.quantity, 0);
  await appendAudit(
    db,
    'RECLAIM_EXPIRED',
    `user:${cmd.userId}`,
    lapsed.rows.map((r) => ({ eventId: cmd.eventId, reservationId: r.reservation_id, sectionId, seatId: null, quantity: r.quantity })),
    `lapsed hold returned to the counter by reservation ${cmd.reservationId}`,
  );
  const available = row.capacity - (row.held - reclaimed) - row.sold;
  if (available < quantity) {
    throw new AppError('INSUFFICIENT_INVENTORY', 'not enough tickets left in this section', {
      section_id: sectionId,
      available: Math.max(available, 0),
    });
  }
  // The guard in WHERE and the CHECK constraint both refuse an oversell, even if the arithmetic above were wrong.
  const updated = await db.query(
    `UPDATE ga_inventory SET held = held - $3 + $4
      WHERE event_id = $1 AND section_id = $2 AND capacity - (held - $3) - sold >= $4`,
    [cmd.eventId, sectionId, reclaimed, quantity],
  );
  if (updated.rowCount !== 1) {
    throw new AppError('INSUFFICIENT_INVENTORY', 'not enough tickets left in this section', { section_id: sectionId, available: 0 });
  }
  await db.query(
    `INSERT INTO ga_holds (reservation_id, event_id, section_id, quantity, status, held_until)
     VALUES ($1, $2, $3, $4, 'HELD', $5)`,
    [cmd.reservationId, cmd.eventId, sectionId, quantity, cmd.heldUntil],
  );
}
