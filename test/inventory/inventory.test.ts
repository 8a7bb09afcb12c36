import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import type { Pool } from 'pg';
import { createPool } from '../../src/db/pool';
import { AppError } from '../../src/domain/errors';
import { extendHold } from '../../src/inventory/extend';
import { holdInventory, type HoldCommand } from '../../src/inventory/hold';
import { releaseInventory } from '../../src/inventory/release';
import { sellInventory } from '../../src/inventory/sell';
import { chargeOnce } from '../../src/payments/payments-repository';
import type { PaymentProvider } from '../../src/payments/provider';
import { gaCounter, seatStatuses } from '../support/db-queries';
import { testConfig, testTicketKeys } from '../support/env';
import { ticketSigner } from '../../src/tickets/ticket-keys';
import { createUser, seedEvent } from '../support/fixtures';
import { holdRowLock, settle, waitForLockWaiters } from '../support/lock-waits';

let pool: Pool;
beforeAll(() => {
  pool = createPool(testConfig({ DATABASE_POOL_SIZE: '40' }));
});
afterAll(async () => {
  await pool?.end();
});

const signTicket = ticketSigner(testTicketKeys());
const inTenMinutes = (): Date => new Date(Date.now() + 600_000);
const okProvider: PaymentProvider = {
  charge: async (r) => ({ providerPaymentId: `test_${r.idempotencyKey}` }),
  resolve: async (key) => ({ status: 'SUCCEEDED', providerPaymentId: `test_${key}` }),
  refund: async () => undefined,
  payout: async (r) => ({ providerPayoutId: `test_${r.idempotencyKey}` }),
  resolvePayout: async (key) => ({ status: 'PAID', providerPayoutId: `test_${key}` }),
};

function command(eventId: string, userId: string, overrides: Partial<HoldCommand> = {}): HoldCommand {
  return { reservationId: randomUUID(), eventId, userId, seatIds: [], ga: [], heldUntil: inTenMinutes(), maxExtensions: 1, idempotencyKey: null, ...overrides };
}

async function outcome<T>(promise: Promise<T>): Promise<T | AppError> {
  try {
    return await promise;
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
}

async function pay(reservationId: string, total: number): Promise<string> {
  const { paymentId } = await chargeOnce(pool, okProvider, { reservationId, paymentMethodId: 'pm_card_visa', amountCents: total, idempotencyKey: `${reservationId}:1` });
  return paymentId;
}

describe('holding seats in PostgreSQL', () => {
  test('when 25 holds of the same seat run at once, exactly one wins and the rest are told which seat is taken', async () => {
    const { event, seatIds } = await seedEvent(pool, { seated: [{ rows: 1, seats_per_row: 3 }] });
    const users = await Promise.all(Array.from({ length: 25 }, () => createUser(pool)));
    const results = await Promise.all(users.map((u) => outcome(holdInventory(pool, command(event.id, u.id, { seatIds: [seatIds[0]!] })))));
    const winners = results.filter((r) => !(r instanceof AppError));
    expect(winners).toHaveLength(1);
    for (const loser of results.filter((r): r is AppError => r instanceof AppError)) {
      expect(loser.code).toBe('SEATS_UNAVAILABLE');
      expect(loser.details.unavailable_seats).toEqual([seatIds[0]]);
    }
    const { rows } = await pool.query('SELECT count(*)::int AS n FROM reservations WHERE event_id = $1', [event.id]);
    expect(rows[0].n).toBe(1);
  });

  test('overlapping multi-seat holds are all-or-nothing: the winners hold whole windows, nothing else is held', async () => {
    const { event, seatIds } = await seedEvent(pool, { seated: [{ rows: 1, seats_per_row: 8 }] });
    const user = await createUser(pool);
    // Each asks for a window of 3 seats, all overlapping their neighbours.
    const windows = Array.from({ length: 6 }, (_, i) => seatIds.slice(i, i + 3));
    const results = await Promise.all(windows.map((w) => outcome(holdInventory(pool, command(event.id, user.id, { seatIds: w })))));
    const held = results.filter((r) => !(r instanceof AppError)).flatMap((r) => (r as { seats: Array<{ seat_id: string }> }).seats.map((s) => s.seat_id));
    // At least one window wins (the first to lock its seats finds them all free); every loser is told why.
    expect(held.length).toBeGreaterThanOrEqual(3);
    expect(held.length % 3).toBe(0);
    expect(new Set(held).size).toBe(held.length);
    for (const loser of results.filter((r): r is AppError => r instanceof AppError)) expect(loser.code).toBe('SEATS_UNAVAILABLE');
    const taken = await pool.query(`SELECT id FROM seats WHERE event_id = $1 AND status = 'HELD'`, [event.id]);
    expect(taken.rows.map((r) => r.id).sort()).toEqual([...held].sort());
  });

  test('when two holds list the same seats in opposite orders, both lock in one order: no deadlock, the first queued wins and the other is told the seats are taken', async () => {
    const { event, seatIds } = await seedEvent(pool, { seated: [{ rows: 1, seats_per_row: 3 }] });
    const [low, mid, high] = [...seatIds].sort();
    const [first, second] = [await createUser(pool), await createUser(pool)];
    // The test holds the lowest seat, so both holds queue behind it. Locked in the order each buyer
    // listed them, `first` would already hold `mid` and `second` `high`, each then waiting for the
    // other's: a deadlock PostgreSQL breaks by failing one of them.
    const blocker = await holdRowLock(pool, 'SELECT 1 FROM seats WHERE id = $1 FOR UPDATE', [low]);
    const firstHold = settle(holdInventory(pool, command(event.id, first.id, { seatIds: [mid!, low!, high!] })));
    await waitForLockWaiters(pool, 1);
    const secondHold = settle(holdInventory(pool, command(event.id, second.id, { seatIds: [high!, low!, mid!] })));
    await waitForLockWaiters(pool, 2);
    await blocker.release();
    const [won, lost] = await Promise.all([firstHold, secondHold]);

    // What each got: the hold, or its refusal's code (a deadlock would show as PostgreSQL's message).
    const got = (r: Awaited<typeof won>): string => (r.ok ? 'HELD' : r.error instanceof AppError ? r.error.code : String(r.error));
    expect([got(won), got(lost)]).toEqual(['HELD', 'SEATS_UNAVAILABLE']);
    expect(await seatStatuses(pool, [low!, mid!, high!])).toEqual(['HELD', 'HELD', 'HELD']);
    const { rows } = await pool.query('SELECT user_id FROM reservations WHERE event_id = $1', [event.id]);
    expect(rows.map((r) => r.user_id)).toEqual([first.id]);
  });

  test('a seat whose hold lapsed is available to the next buyer even if nobody released it', async () => {
    const { event, seatIds } = await seedEvent(pool, { seated: [{ rows: 1, seats_per_row: 2 }] });
    const [a, b] = [await createUser(pool), await createUser(pool)];
    const first = await holdInventory(pool, command(event.id, a.id, { seatIds: [seatIds[0]!], heldUntil: new Date(Date.now() - 1000) }));
    const second = await holdInventory(pool, command(event.id, b.id, { seatIds: [seatIds[0]!] }));
    expect(second.status).toBe('HELD');
    // The lapsed reservation can be neither extended nor sold now: its seat is someone else's.
    await expect(extendHold(pool, { reservationId: first.reservation_id, heldUntil: inTenMinutes(), kind: 'EXTENSION' })).rejects.toMatchObject({ code: 'RESERVATION_EXPIRED' });
    const paymentId = await pay(first.reservation_id, first.total_price_cents);
    await expect(sellInventory(pool, { reservationId: first.reservation_id, paymentId, signTicket })).rejects.toMatchObject({ code: 'RESERVATION_EXPIRED' });
    // Its late release gives back nothing that is not its own.
    const released = await releaseInventory(pool, { reservationId: first.reservation_id, status: 'EXPIRED', reason: 'HOLD_EXPIRED', actor: 'test' });
    expect(released.releasedSeats).toEqual([]);
    expect(released.repeated).toBe(false);
    expect(await seatStatuses(pool, [seatIds[0]!])).toEqual(['HELD']);
  });

  test('retried hold, release and sell are idempotent', async () => {
    const { event, seatIds, gaSectionIds } = await seedEvent(pool, { seated: [{ rows: 1, seats_per_row: 2 }], ga: [{ capacity: 10 }] });
    const user = await createUser(pool);
    const cmd = command(event.id, user.id, { seatIds: seatIds.slice(0, 1), ga: [{ section_id: gaSectionIds[0]!, quantity: 4 }] });
    const first = await holdInventory(pool, cmd);
    const retried = await holdInventory(pool, cmd);
    expect(retried.reservation_id).toBe(first.reservation_id);
    expect(await gaCounter(pool, event.id, gaSectionIds[0]!)).toMatchObject({ held: 4 });

    const paymentId = await pay(first.reservation_id, first.total_price_cents);
    const sold = await sellInventory(pool, { reservationId: first.reservation_id, paymentId, signTicket });
    const soldAgain = await sellInventory(pool, { reservationId: first.reservation_id, paymentId, signTicket });
    expect(soldAgain.view.order_id).toBe(sold.view.order_id);
    expect(soldAgain.soldWithThisPayment).toBe(true);
    expect(soldAgain.view.tickets).toHaveLength(5);
    expect(await gaCounter(pool, event.id, gaSectionIds[0]!)).toEqual({ capacity: 10, held: 0, sold: 4 });

    const other = await holdInventory(pool, command(event.id, user.id, { seatIds: seatIds.slice(1, 2), ga: [{ section_id: gaSectionIds[0]!, quantity: 2 }] }));
    const r1 = await releaseInventory(pool, { reservationId: other.reservation_id, status: 'CANCELLED', reason: 'test', actor: 'test' });
    const r2 = await releaseInventory(pool, { reservationId: other.reservation_id, status: 'CANCELLED', reason: 'test', actor: 'test' });
    // A retried release changes nothing and answers what the release gave back.
    expect([r1.repeated, r2.repeated]).toEqual([false, true]);
    expect([r1.releasedSeats, r2.releasedSeats]).toEqual([seatIds.slice(1, 2), seatIds.slice(1, 2)]);
    expect([r1.releasedGa, r2.releasedGa]).toEqual([[{ section_id: gaSectionIds[0], quantity: 2 }], [{ section_id: gaSectionIds[0], quantity: 2 }]]);
    expect(await gaCounter(pool, event.id, gaSectionIds[0]!)).toEqual({ capacity: 10, held: 0, sold: 4 });
    expect(await seatStatuses(pool, seatIds.slice(1, 2))).toEqual(['AVAILABLE']);
  });

  test('the schema itself refuses an oversold or negative GA counter, a held seat without its reservation, and edits to the audit log', async () => {
    const { event, gaSectionIds, seatIds } = await seedEvent(pool, { seated: [{ rows: 1, seats_per_row: 1 }], ga: [{ capacity: 3 }] });
    await expect(pool.query('UPDATE ga_inventory SET sold = 4 WHERE event_id = $1', [event.id])).rejects.toThrow(/check constraint/);
    await expect(pool.query('UPDATE ga_inventory SET held = -1 WHERE event_id = $1', [event.id])).rejects.toThrow(/check constraint/);
    await expect(pool.query(`UPDATE seats SET status = 'HELD' WHERE id = $1`, [seatIds[0]])).rejects.toThrow(/check constraint/);
    await expect(pool.query(`UPDATE inventory_audit_log SET actor = 'x'`)).rejects.toThrow(/append-only/);
    expect(gaSectionIds).toHaveLength(1);
  });
});

describe('the GA counter under any interleaving (property-based)', () => {
  test('held + sold never exceeds capacity and never goes negative, whatever mix of holds, releases and sales', async () => {
    const user = await createUser(pool);
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 12 }),
        fc.array(fc.record({ quantity: fc.integer({ min: 1, max: 5 }), then: fc.constantFrom('keep', 'release', 'sell') }), { minLength: 1, maxLength: 14 }),
        async (capacity, buyers) => {
          const { event, gaSectionIds } = await seedEvent(pool, { ga: [{ capacity }] });
          const section = gaSectionIds[0]!;
          const results = await Promise.all(
            buyers.map(async (b) => {
              const held = await outcome(holdInventory(pool, command(event.id, user.id, { ga: [{ section_id: section, quantity: b.quantity }] })));
              if (held instanceof AppError) {
                expect(held.code).toBe('INSUFFICIENT_INVENTORY');
                return { held: 0, sold: 0 };
              }
              if (b.then === 'release') {
                await releaseInventory(pool, { reservationId: held.reservation_id, status: 'CANCELLED', reason: 'property', actor: 'test' });
                return { held: 0, sold: 0 };
              }
              if (b.then === 'sell') {
                const paymentId = await pay(held.reservation_id, held.total_price_cents);
                await sellInventory(pool, { reservationId: held.reservation_id, paymentId, signTicket });
                return { held: 0, sold: b.quantity };
              }
              return { held: b.quantity, sold: 0 };
            }),
          );
          const counter = await gaCounter(pool, event.id, section);
          expect(counter.held).toBeGreaterThanOrEqual(0);
          expect(counter.sold).toBeGreaterThanOrEqual(0);
          expect(counter.held + counter.sold).toBeLessThanOrEqual(capacity);
          expect(counter.held).toBe(results.reduce((s, r) => s + r.held, 0));
          expect(counter.sold).toBe(results.reduce((s, r) => s + r.sold, 0));
        },
      ),
      { numRuns: 25 },
    );
  });
});
