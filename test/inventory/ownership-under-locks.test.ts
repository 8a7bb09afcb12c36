import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { createPool } from '../../src/db/pool';
import { AppError } from '../../src/domain/errors';
import { extendHold } from '../../src/inventory/extend';
import { holdInventory, type HoldCommand } from '../../src/inventory/hold';
import { abandonHold } from '../../src/inventory/release';
import { sellInventory } from '../../src/inventory/sell';
import { chargeOnce } from '../../src/payments/payments-repository';
import type { PaymentProvider } from '../../src/payments/provider';
import { gaCounter, reservationRow, seatStatuses } from '../support/db-queries';
import { testConfig, testTicketKeys } from '../support/env';
import { ticketSigner } from '../../src/tickets/ticket-keys';
import { createUser, seedEvent } from '../support/fixtures';
import { holdRowLock, settle, waitForLockWaiters } from '../support/lock-waits';

/*
 * Each scenario stages one exact interleaving: the test holds a row lock, queues the transactions
 * under test behind it in a chosen order (checked in pg_stat_activity), and lets go. The order is the
 * one in which a write decided on an unlocked count would go wrong.
 */

const signTicket = ticketSigner(testTicketKeys());
let pool: Pool;
beforeAll(() => {
  pool = createPool(testConfig({ DATABASE_POOL_SIZE: '20' }));
});
afterAll(async () => {
  await pool?.end();
});

const provider: PaymentProvider = {
  charge: async (r) => ({ providerPaymentId: `test_${r.idempotencyKey}` }),
  resolve: async (key) => ({ status: 'SUCCEEDED', providerPaymentId: `test_${key}` }),
  refund: async () => undefined,
  payout: async (r) => ({ providerPayoutId: `test_${r.idempotencyKey}` }),
  resolvePayout: async (key) => ({ status: 'PAID', providerPayoutId: `test_${key}` }),
};

function command(eventId: string, userId: string, overrides: Partial<HoldCommand> = {}): HoldCommand {
  return {
    reservationId: randomUUID(),
    eventId,
    userId,
    seatIds: [],
    ga: [],
    heldUntil: new Date(Date.now() + 600_000),
    maxExtensions: 1,
    idempotencyKey: null,
    ...overrides,
  };
}

const lapsed = (): Date => new Date(Date.now() - 1000);

async function pay(reservationId: string, amountCents: number): Promise<string> {
  const { paymentId } = await chargeOnce(pool, provider, { reservationId, paymentMethodId: 'pm_card_visa', amountCents, idempotencyKey: `${reservationId}:charge:1` });
  return paymentId;
}

function codeOf(result: { ok: boolean; error?: unknown }): string | undefined {
  return !result.ok && result.error instanceof AppError ? result.error.code : undefined;
}

describe('a sale whose hold lapsed while another buyer reclaims it', () => {
  test('when a GA hold lapses and a rival reclaims it while the sale waits, the sale is refused and the counter still counts the rival (no oversell)', async () => {
    const { event, gaSectionIds } = await seedEvent(pool, { ga: [{ capacity: 2 }] });
    const section = gaSectionIds[0]!;
    const [late, rival] = [await createUser(pool), await createUser(pool)];
    const lateHold = await holdInventory(pool, command(event.id, late.id, { ga: [{ section_id: section, quantity: 2 }], heldUntil: lapsed() }));
    const paymentId = await pay(lateHold.reservation_id, lateHold.total_price_cents);

    const counterLock = await holdRowLock(pool, 'SELECT 1 FROM ga_inventory WHERE event_id = $1 FOR UPDATE', [event.id]);
    const rivalHold = settle(holdInventory(pool, command(event.id, rival.id, { ga: [{ section_id: section, quantity: 2 }] })));
    await waitForLockWaiters(pool, 1);
    const sale = settle(sellInventory(pool, { reservationId: lateHold.reservation_id, paymentId, signTicket }));
    await waitForLockWaiters(pool, 2);
    await counterLock.release();

    const [rivalResult, saleResult] = await Promise.all([rivalHold, sale]);
    expect(rivalResult.ok).toBe(true);
    expect(codeOf(saleResult)).toBe('RESERVATION_EXPIRED');
    expect(await gaCounter(pool, event.id, section)).toEqual({ capacity: 2, held: 2, sold: 0 });
    const orders = await pool.query('SELECT 1 FROM orders WHERE reservation_id = $1', [lateHold.reservation_id]);
    expect(orders.rowCount).toBe(0);

    // The rival's own sale goes through: nothing was double-counted under it.
    if (!rivalResult.ok) throw rivalResult.error;
    const rivalPayment = await pay(rivalResult.value.reservation_id, rivalResult.value.total_price_cents);
    const sold = await sellInventory(pool, { reservationId: rivalResult.value.reservation_id, paymentId: rivalPayment, signTicket });
    expect(sold.view.tickets).toHaveLength(2);
    expect(await gaCounter(pool, event.id, section)).toEqual({ capacity: 2, held: 0, sold: 2 });
  });

  test('when a seat hold lapses and a rival takes the seat while the sale waits, no ticket is issued for it and the rival can still buy it', async () => {
    const { event, seatIds } = await seedEvent(pool, { seated: [{ rows: 1, seats_per_row: 2 }] });
    const seat = seatIds[0]!;
    const [late, rival] = [await createUser(pool), await createUser(pool)];
    const lateHold = await holdInventory(pool, command(event.id, late.id, { seatIds: [seat], heldUntil: lapsed() }));
    const paymentId = await pay(lateHold.reservation_id, lateHold.total_price_cents);

    const seatLock = await holdRowLock(pool, 'SELECT 1 FROM seats WHERE id = $1 FOR UPDATE', [seat]);
    const rivalHold = settle(holdInventory(pool, command(event.id, rival.id, { seatIds: [seat] })));
    await waitForLockWaiters(pool, 1);
    const sale = settle(sellInventory(pool, { reservationId: lateHold.reservation_id, paymentId, signTicket }));
    await waitForLockWaiters(pool, 2);
    await seatLock.release();

    const [rivalResult, saleResult] = await Promise.all([rivalHold, sale]);
    expect(rivalResult.ok).toBe(true);
    expect(codeOf(saleResult)).toBe('RESERVATION_EXPIRED');
    const tickets = await pool.query('SELECT 1 FROM tickets WHERE seat_id = $1', [seat]);
    expect(tickets.rowCount).toBe(0);
    expect(await reservationRow(pool, lateHold.reservation_id)).toMatchObject({ status: 'PAYMENT_PENDING' });

    if (!rivalResult.ok) throw rivalResult.error;
    const rivalPayment = await pay(rivalResult.value.reservation_id, rivalResult.value.total_price_cents);
    const sold = await sellInventory(pool, { reservationId: rivalResult.value.reservation_id, paymentId: rivalPayment, signTicket });
    expect(sold.view.status).toBe('CONFIRMED');
    expect(await seatStatuses(pool, [seat])).toEqual(['SOLD']);
  });

  test('when a seat hold lapses and a rival takes the seat while an extension waits, the extension is refused instead of reported as done', async () => {
    const { event, seatIds } = await seedEvent(pool, { seated: [{ rows: 1, seats_per_row: 2 }] });
    const seat = seatIds[1]!;
    const [late, rival] = [await createUser(pool), await createUser(pool)];
    const lateHold = await holdInventory(pool, command(event.id, late.id, { seatIds: [seat], heldUntil: lapsed() }));

    const seatLock = await holdRowLock(pool, 'SELECT 1 FROM seats WHERE id = $1 FOR UPDATE', [seat]);
    const rivalHold = settle(holdInventory(pool, command(event.id, rival.id, { seatIds: [seat] })));
    await waitForLockWaiters(pool, 1);
    const extension = settle(extendHold(pool, { reservationId: lateHold.reservation_id, heldUntil: new Date(Date.now() + 600_000), kind: 'EXTENSION' }));
    await waitForLockWaiters(pool, 2);
    await seatLock.release();

    const [rivalResult, extensionResult] = await Promise.all([rivalHold, extension]);
    expect(rivalResult.ok).toBe(true);
    expect(codeOf(extensionResult)).toBe('RESERVATION_EXPIRED');
    const { rows } = await pool.query<{ extensions_used: number }>('SELECT extensions_used FROM reservations WHERE id = $1', [lateHold.reservation_id]);
    expect(rows[0]?.extensions_used).toBe(0);
  });
});

describe('a hold and its own retry', () => {
  test('when a retry starts while the first attempt is still in its transaction, it waits and answers that hold instead of finding its own seats taken', async () => {
    const { event, seatIds } = await seedEvent(pool, { seated: [{ rows: 1, seats_per_row: 2 }] });
    const buyer = await createUser(pool);
    const cmd = command(event.id, buyer.id, { seatIds: [seatIds[0]!] });

    const seatLock = await holdRowLock(pool, 'SELECT 1 FROM seats WHERE id = $1 FOR UPDATE', [seatIds[0]]);
    const first = settle(holdInventory(pool, cmd));
    await waitForLockWaiters(pool, 1);
    const retry = settle(holdInventory(pool, cmd));
    await waitForLockWaiters(pool, 2);
    await seatLock.release();

    const [a, b] = await Promise.all([first, retry]);
    if (!a.ok) throw a.error;
    if (!b.ok) throw b.error;
    expect(b.value).toMatchObject({ reservation_id: cmd.reservationId, status: 'HELD' });
    expect(a.value.reservation_id).toBe(cmd.reservationId);
    const { rows } = await pool.query('SELECT reservation_id FROM seats WHERE id = $1', [seatIds[0]]);
    expect(rows[0].reservation_id).toBe(cmd.reservationId);
  });

  test('an attempt that outlives its deadline rolls back: the statement is cut off and nothing is held', async () => {
    const { event, seatIds } = await seedEvent(pool, { seated: [{ rows: 1, seats_per_row: 1 }] });
    const buyer = await createUser(pool);
    const cmd = command(event.id, buyer.id, { seatIds: [seatIds[0]!], mustCommitBy: new Date(Date.now() + 600) });

    const seatLock = await holdRowLock(pool, 'SELECT 1 FROM seats WHERE id = $1 FOR UPDATE', [seatIds[0]]);
    const attempt = await settle(holdInventory(pool, cmd));
    await seatLock.release();

    expect(attempt.ok).toBe(false);
    // Its lock waits end before the deadline (lock_timeout, set by the hold function from the deadline).
    expect(String((attempt as { error: Error }).error.message)).toMatch(/lock timeout/);
    expect(await reservationRow(pool, cmd.reservationId)).toBeUndefined();
    expect(await seatStatuses(pool, [seatIds[0]!])).toEqual(['AVAILABLE']);
    await expect(holdInventory(pool, { ...cmd, mustCommitBy: new Date(Date.now() - 1) })).rejects.toThrow(/after its deadline/);
  });

  test('a hold whose outcome was never learned is abandoned: its seats and GA places go back and the reservation disappears', async () => {
    const { event, seatIds, gaSectionIds } = await seedEvent(pool, { seated: [{ rows: 1, seats_per_row: 2 }], ga: [{ capacity: 5 }] });
    const buyer = await createUser(pool);
    const cmd = command(event.id, buyer.id, { seatIds: [seatIds[0]!], ga: [{ section_id: gaSectionIds[0]!, quantity: 3 }] });
    await holdInventory(pool, cmd);

    expect(await abandonHold(pool, cmd.reservationId)).toEqual({ abandoned: true });
    expect(await seatStatuses(pool, [seatIds[0]!])).toEqual(['AVAILABLE']);
    expect(await gaCounter(pool, event.id, gaSectionIds[0]!)).toEqual({ capacity: 5, held: 0, sold: 0 });
    expect(await reservationRow(pool, cmd.reservationId)).toBeUndefined();
    const audit = await pool.query(`SELECT detail FROM inventory_audit_log WHERE reservation_id = $1 AND action = 'RELEASE'`, [cmd.reservationId]);
    expect(audit.rows.map((r) => r.detail)).toEqual(['HOLD_ABANDONED', 'HOLD_ABANDONED']);
    // Abandoning a hold no attempt committed changes nothing; a later retry with the same id holds afresh.
    expect(await abandonHold(pool, cmd.reservationId)).toEqual({ abandoned: false });
    expect((await holdInventory(pool, cmd)).status).toBe('HELD');
  });
});
