import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import type { Pool } from 'pg';
import { createPool } from '../../src/db/pool';
import { AppError } from '../../src/domain/errors';
import { holdInventory } from '../../src/inventory/hold';
import { closeHold } from '../../src/inventory/release';
import { sellInventory } from '../../src/inventory/sell';
import { confirmedOrdersOf, liveReservationsOf, markEventCancelled } from '../../src/operations/event-cancellation';
import { chargeOnce, refundOnce } from '../../src/payments/payments-repository';
import { withdrawListingsOfEvent } from '../../src/resale/close-listing';
import { scanTicket } from '../../src/tickets/scan-ticket';
import { transferTicket } from '../../src/tickets/transfer-ticket';
import type { AuthUser } from '../../src/users/auth-user';
import { DirectListing } from '../support/direct-resale';
import { recordingProvider, refundDirectly, refundedExactly, sellDirectly, signTicket } from '../support/direct-sales';
import { testConfig, testTicketKeys } from '../support/env';
import { createUser, seedEvent } from '../support/fixtures';
import { listingsAstray, payoutsAstray, resaleChargesAstray } from '../support/resale-invariants';

/*
 * One order (a seat and a GA place) and random operations on it, all started at once against the real
 * database: transfers of either ticket, refunds of the order, scans at the door, the event's
 * cancellation, other buyers trying to buy the same places, and resale: the place's current owner
 * lists its ticket, other fans buy the listing, the seller withdraws it. The operations run as their
 * workflows would run them (a refund's steps, its resale buyers' money included; a sale that fails
 * after the charge is refunded and its hold released; a cancellation that withdraws the event's
 * listings, then releases holds and refunds orders until none is left; a listing's buyer charged, then
 * the sale or the charge given back, then the seller's payout). A business refusal (409 and the like)
 * is an acceptable outcome of any of them; anything else (a deadlock, a broken constraint) fails the
 * property. After each run: never two usable tickets for one place; every charge, the order's or a
 * resale buyer's, ended as exactly one sale or one refund; no listing is left on sale for a ticket that
 * cannot be sold; a sold listing passed its ticket to the buyer of its one charge; and each sold
 * listing's seller was paid once, nobody else at all.
 */

let pool: Pool;
beforeAll(() => {
  pool = createPool(testConfig({ DATABASE_POOL_SIZE: '16' }));
});
afterAll(async () => {
  await pool?.end();
});

const keys = testTicketKeys();

type Place = 1 | 2;
/** One of the two friends the order's tickets can be passed to, or a fan new to the order. */
type Fan = 0 | 1 | 'stranger';
type Operation =
  | { kind: 'transfer'; place: Place; to: 0 | 1 }
  | { kind: 'refund' }
  | { kind: 'scan'; place: Place }
  | { kind: 'cancel-event' }
  | { kind: 'buy'; place: Place }
  | { kind: 'list'; place: Place }
  | { kind: 'buy-listing'; place: Place; buyer: Fan }
  | { kind: 'withdraw'; place: Place };

const anyPlace = fc.constantFrom<Place>(1, 2);
/** Resale weighs more: a sale needs a listing first, and refunds and cancellations end every listing. */
const operation: fc.Arbitrary<Operation> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('transfer' as const), place: anyPlace, to: fc.constantFrom<0 | 1>(0, 1) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('refund' as const) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('scan' as const), place: anyPlace }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('cancel-event' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('buy' as const), place: anyPlace }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('list' as const), place: anyPlace }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('buy-listing' as const), place: anyPlace, buyer: fc.constantFrom<Fan>(0, 1, 'stranger') }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('withdraw' as const), place: anyPlace }) },
);
/** Each operation starts after a short random pause, so the runs interleave differently. */
const schedule = fc.array(fc.record({ op: operation, pauseMs: fc.integer({ min: 0, max: 15 }) }), { minLength: 2, maxLength: 8 });

/**
 * What happened to the order before the operations start, one step after the other: places resold
 * (again and again: an order's refund gives each place back to its latest buyer), then places on sale,
 * so that buyers race the rest from the first instant.
 */
const history = fc.record({ resold: fc.array(anyPlace, { maxLength: 3 }), listed: fc.subarray<Place>([1, 2]) });

/** Below the face value of either place (the event's cap is 100% of it). */
const RESALE_PRICE_CENTS = 2000;

interface Scene {
  eventId: string;
  seatId: string;
  sectionId: string;
  orderId: string;
  friends: AuthUser[];
  scannerId: string;
  provider: ReturnType<typeof recordingProvider>;
  /** Every listing of the run, as its workflow would hold it (purchases and withdrawals take turns). */
  listings: Map<string, DirectListing>;
}

async function setUp(): Promise<Scene> {
  const { event, seatIds, gaSectionIds } = await seedEvent(pool, { seated: [{ rows: 1, seats_per_row: 1 }], ga: [{ capacity: 1 }] });
  const buyer = await createUser(pool);
  const provider = recordingProvider();
  const seatId = seatIds[0]!;
  const sectionId = gaSectionIds[0]!;
  const { orderId } = await sellDirectly(pool, provider, { eventId: event.id, userId: buyer.id, seatIds: [seatId], ga: [{ section_id: sectionId, quantity: 1 }] });
  const friends = [await createUser(pool), await createUser(pool)];
  const scanner = await createUser(pool, { role: 'scanner' });
  return { eventId: event.id, seatId, sectionId, orderId, friends, scannerId: scanner.id, provider, listings: new Map() };
}

/** The newest ticket of a place of the order (the one a transfer, a scan or a listing would be about). */
async function currentTicket(scene: Scene, place: Place): Promise<{ id: string; owner_id: string; qr_code: string }> {
  const { rows } = await pool.query<{ id: string; owner_id: string; qr_code: string }>(
    'SELECT id, owner_id, qr_code FROM tickets WHERE order_id = $1 AND place_number = $2 ORDER BY created_at DESC, transferred_from IS NULL LIMIT 1',
    [scene.orderId, place],
  );
  return rows[0]!;
}

/** A place of the order, bought by someone else as a reservation workflow would: a sale that fails after the charge is refunded and its hold released. */
async function buy(scene: Scene, place: Place): Promise<void> {
  const buyer = await createUser(pool);
  const held = await holdInventory(pool, {
    reservationId: randomUUID(),
    eventId: scene.eventId,
    userId: buyer.id,
    seatIds: place === 1 ? [scene.seatId] : [],
    ga: place === 2 ? [{ section_id: scene.sectionId, quantity: 1 }] : [],
    heldUntil: new Date(Date.now() + 600_000),
    maxExtensions: 0,
    idempotencyKey: null,
  });
  const release = () => closeHold(pool, { reservationId: held.reservation_id, status: 'CANCELLED', reason: 'TEST', actor: 'test' });
  let paymentId: string;
  try {
    ({ paymentId } = await chargeOnce(pool, scene.provider, {
      reservationId: held.reservation_id,
      paymentMethodId: 'pm_card_visa',
      amountCents: held.total_price_cents,
      idempotencyKey: `${held.reservation_id}:charge:1`,
    }));
  } catch (err) {
    await release();
    throw err;
  }
  try {
    await sellInventory(pool, { reservationId: held.reservation_id, paymentId, signTicket });
  } catch (err) {
    const refund = await refundOnce(pool, scene.provider, paymentId);
    if (!refund.refunded) throw new Error(`a failed sale's payment was not refunded: ${refund.reason}`, { cause: err });
    await release();
    throw err;
  }
}

/** As the cancellation workflow does: mark (its step withdraws the event's listings too), then release holds and refund orders until none is left. */
async function cancelEvent(scene: Scene): Promise<void> {
  await markEventCancelled(pool, { eventId: scene.eventId, reason: 'test' });
  await withdrawListingsOfEvent(pool, scene.eventId);
  await sweepCancelledEvent(scene);
}

async function sweepCancelledEvent(scene: Scene): Promise<void> {
  for (;;) {
    const holds = await liveReservationsOf(pool, scene.eventId, 100);
    for (const reservationId of holds) await closeHold(pool, { reservationId, status: 'CANCELLED', reason: 'EVENT_CANCELLED', actor: 'test' });
    const orders = await confirmedOrdersOf(pool, scene.eventId, 100, []);
    for (const orderId of orders) await refundDirectly(pool, scene.provider, orderId, 'operator:test', 'event cancelled: test');
    if (holds.length === 0 && orders.length === 0) return;
  }
}

/** How long a fan watches the event's resale: long enough to see a racing operation's listing or sale. */
const WATCH_MS = 60;

/**
 * A fan watching the event's resale: `attempt` is made again every few ms, for a short while, as long
 * as it finds nothing to act on (false) or is refused in a way `again` accepts.
 */
async function watch(attempt: () => Promise<boolean>, again: (err: unknown) => boolean): Promise<void> {
  for (const until = Date.now() + WATCH_MS; ; await new Promise((resolve) => setTimeout(resolve, 3))) {
    try {
      if (await attempt()) return;
    } catch (err) {
      if (!again(err) || Date.now() > until) throw err;
      continue;
    }
    if (Date.now() > until) return;
  }
}

const refusedWith = (code: string) => (err: unknown) => err instanceof AppError && err.code === code;
const never = () => false;

/**
 * The place's current owner puts its current ticket on sale. While the place is on sale already, the
 * owner to be watches: a fan who has just bought it lists it again, so a place can be resold twice and
 * the order's refund has both resales to settle.
 */
async function list(scene: Scene, place: Place): Promise<void> {
  await watch(async () => {
    const ticket = await currentTicket(scene, place);
    const listing = await DirectListing.requested(pool, scene.provider, {
      ticketId: ticket.id,
      requester: { id: ticket.owner_id, role: 'user' },
      priceCents: RESALE_PRICE_CENTS,
    });
    // Known before it opens: a racing fan may read its row before this call hears that it committed.
    scene.listings.set(listing.id, listing);
    await listing.open();
    return true;
  }, refusedWith('ALREADY_LISTED'));
}

/** A fan who missed a listing (sold to another, or closed) watches for the place's next one. */
async function buyListing(scene: Scene, place: Place, buyer: Fan): Promise<void> {
  const buyerId = buyer === 'stranger' ? (await createUser(pool)).id : scene.friends[buyer]!.id;
  await watch(async () => {
    const listing = await listingOnSale(scene, place);
    if (listing) await listing.purchase(buyerId);
    return listing !== null;
  }, refusedWith('LISTING_UNAVAILABLE'));
}

/** The place's current owner lists it and a fan new to the order buys it. */
async function resell(scene: Scene, place: Place): Promise<void> {
  await list(scene, place);
  await buyListing(scene, place, 'stranger');
}

async function withdraw(scene: Scene, place: Place): Promise<void> {
  await watch(async () => {
    const listing = await listingOnSale(scene, place);
    if (listing) await listing.withdraw();
    return listing !== null;
  }, never);
}

/** The place's listing on sale now, if any. */
async function listingOnSale(scene: Scene, place: Place): Promise<DirectListing | null> {
  const { rows } = await pool.query<{ id: string }>(`SELECT id FROM resale_listings WHERE order_id = $1 AND place_number = $2 AND status = 'LISTED'`, [
    scene.orderId,
    place,
  ]);
  const id = rows[0]?.id;
  if (!id) return null;
  const listing = scene.listings.get(id);
  if (!listing) throw new Error(`listing ${id} was opened outside this run`);
  return listing;
}

async function run(scene: Scene, op: Operation): Promise<void> {
  switch (op.kind) {
    case 'transfer': {
      const ticket = await currentTicket(scene, op.place);
      await transferTicket(pool, signTicket, { ticketId: ticket.id, requester: { id: ticket.owner_id, role: 'user' }, toEmail: scene.friends[op.to]!.email });
      return;
    }
    case 'refund':
      return refundDirectly(pool, scene.provider, scene.orderId);
    case 'scan': {
      const ticket = await currentTicket(scene, op.place);
      await scanTicket(pool, keys.verifying, { code: ticket.qr_code, scannerId: scene.scannerId });
      return;
    }
    case 'cancel-event':
      return cancelEvent(scene);
    case 'buy':
      return buy(scene, op.place);
    case 'list':
      return list(scene, op.place);
    case 'buy-listing':
      return buyListing(scene, op.place, op.buyer);
    case 'withdraw':
      return withdraw(scene, op.place);
  }
}

/** Places that have more than one ticket opening the door: the seat, or the GA section beyond its capacity, or one place of an order twice. */
async function doubleTickets(scene: Scene): Promise<string[]> {
  const { rows } = await pool.query<{ problem: string }>(
    `SELECT 'seat has ' || count(*) || ' usable tickets' AS problem FROM tickets
      WHERE seat_id = $1 AND status IN ('ACTIVE', 'USED') HAVING count(*) > 1
     UNION ALL
     SELECT 'GA section has ' || count(*) || ' usable tickets for ' || g.capacity || ' places, ' || g.sold || ' sold' FROM tickets t
       JOIN ga_inventory g ON g.event_id = t.event_id AND g.section_id = t.section_id
      WHERE t.section_id = $2 AND t.event_id = $3 AND t.status IN ('ACTIVE', 'USED') GROUP BY g.capacity, g.sold HAVING count(*) > g.capacity OR count(*) <> g.sold
     UNION ALL
     SELECT 'order ' || order_id || ' place ' || place_number || ' has ' || count(*) || ' usable tickets' FROM tickets
      WHERE event_id = $3 AND status IN ('ACTIVE', 'USED') GROUP BY order_id, place_number HAVING count(*) > 1
     UNION ALL
     SELECT 'ticket ' || t.id || ' opens the door for a ' || o.status || ' order' FROM tickets t JOIN orders o ON o.id = t.order_id
      WHERE t.event_id = $3 AND t.status IN ('ACTIVE', 'USED') AND o.status <> 'CONFIRMED'
     UNION ALL
     SELECT 'seat is ' || s.status || ' with ' || (SELECT count(*) FROM tickets t WHERE t.seat_id = s.id AND t.status IN ('ACTIVE', 'USED')) || ' usable tickets'
       FROM seats s WHERE s.id = $1
        AND (s.status = 'SOLD') <> EXISTS (SELECT 1 FROM tickets t WHERE t.seat_id = s.id AND t.status IN ('ACTIVE', 'USED'))`,
    [scene.seatId, scene.sectionId, scene.eventId],
  );
  return rows.map((r) => r.problem);
}

/**
 * The order payments of the event that are not exactly one sale or exactly one refund. A refund keeps
 * the face value of the order's places sold on resale (their last buyers get their money back
 * instead), and gives back the rest: nothing is asked of the provider when nothing is left.
 */
async function orderChargesAstray(scene: Scene): Promise<string[]> {
  const { rows } = await pool.query<{ id: string; status: string; amount_cents: number; kept_cents: number; resold_cents: number; confirmed: number; open: number }>(
    `SELECT p.id, p.status, p.amount_cents, p.kept_cents,
            (SELECT coalesce(sum(face_value_cents), 0) FROM (
               SELECT DISTINCT ON (l.place_number) l.face_value_cents FROM orders o JOIN resale_listings l ON l.order_id = o.id
                WHERE o.payment_id = p.id AND l.status = 'SOLD' ORDER BY l.place_number) resold)::int AS resold_cents,
            (SELECT count(*) FROM orders o WHERE o.payment_id = p.id AND o.status = 'CONFIRMED')::int AS confirmed,
            (SELECT count(*) FROM orders o WHERE o.payment_id = p.id AND o.status = 'REFUNDING')::int AS open
       FROM payments p JOIN reservations r ON r.id = p.reservation_id WHERE r.event_id = $1`,
    [scene.eventId],
  );
  const problems: string[] = [];
  for (const p of rows) {
    const sale = p.status === 'SUCCEEDED' && p.confirmed === 1 && p.kept_cents === 0;
    const refund =
      p.status === 'REFUNDED' && p.confirmed === 0 && p.open === 0 && p.kept_cents === p.resold_cents && refundedExactly(scene.provider, `refund:${p.id}`, p.amount_cents - p.kept_cents);
    if (sale === refund) problems.push(`payment ${p.id} is ${p.status} (keeping ${p.kept_cents} of ${p.amount_cents}) with ${p.confirmed} confirmed and ${p.open} refunding orders`);
  }
  const refundable = new Set(rows.map((p) => `refund:${p.id}`));
  for (const { idempotencyKey } of scene.provider.refunds) {
    if (!idempotencyKey.startsWith('refund:resale:') && !refundable.has(idempotencyKey)) problems.push(`a refund of no charge of the event: ${idempotencyKey}`);
  }
  const cancelled = await pool.query(`SELECT 1 FROM events e WHERE e.id = $1 AND e.status = 'CANCELLED' AND EXISTS (SELECT 1 FROM orders o WHERE o.event_id = e.id AND o.status = 'CONFIRMED')`, [scene.eventId]);
  if (cancelled.rowCount) problems.push('the event is cancelled and still has a confirmed order');
  return problems;
}

function isRefusal(err: unknown): boolean {
  return err instanceof AppError;
}

describe('one order under racing transfers, refunds, scans, event cancellations, purchases and resales of its places', () => {
  test('never two usable tickets for one place, every charge ends as exactly one sale or one refund, and resale leaves nothing astray', async () => {
    await fc.assert(
      fc.asyncProperty(history, schedule, async ({ resold, listed }, steps) => {
        const scene = await setUp();
        for (const place of resold) await resell(scene, place);
        for (const place of listed) await list(scene, place);
        const outcomes = await Promise.allSettled(
          steps.map(async ({ op, pauseMs }) => {
            await new Promise((resolve) => setTimeout(resolve, pauseMs));
            await run(scene, op);
          }),
        );
        const failures = outcomes.flatMap((o, i) => (o.status === 'rejected' && !isRefusal(o.reason) ? [`${steps[i]!.op.kind}: ${String(o.reason)}`] : []));
        expect(failures).toEqual([]);
        // The cancellation workflow's last phase: a hold that was deciding when the event was marked
        // (it read the event before the mark) is swept up after the others settle.
        if (steps.some((s) => s.op.kind === 'cancel-event')) await sweepCancelledEvent(scene);
        expect(await doubleTickets(scene)).toEqual([]);
        expect(await orderChargesAstray(scene)).toEqual([]);
        expect(await resaleChargesAstray(pool, scene.eventId, scene.provider)).toEqual([]);
        expect(await listingsAstray(pool, scene.eventId)).toEqual([]);
        expect(await payoutsAstray(pool, scene.eventId, scene.provider)).toEqual([]);
      }),
      { numRuns: 120 },
    );
  }, 180_000);
});
