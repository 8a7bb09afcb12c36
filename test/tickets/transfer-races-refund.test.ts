import type { Pool } from 'pg';
import { createPool } from '../../src/db/pool';
import { AppError } from '../../src/domain/errors';
import { beginOrderRefund } from '../../src/orders/refund-order';
import { transferTicket } from '../../src/tickets/transfer-ticket';
import { gaCounter } from '../support/db-queries';
import { recordingProvider, refundDirectly, sellDirectly, signTicket, usableTickets } from '../support/direct-sales';
import { testConfig } from '../support/env';
import { createUser, seedEvent } from '../support/fixtures';
import { holdRowLock, settle, waitForLockWaiters } from '../support/lock-waits';

/*
 * A transfer and a refund of the same order, staged in both orders: the test holds the ticket's row
 * lock, queues the two behind it in the order wanted (checked in pg_stat_activity), and lets go.
 * Whichever commits first, the refunded order ends with no ticket that opens the door, and its place
 * is sold again exactly once.
 */

let pool: Pool;
beforeAll(() => {
  pool = createPool(testConfig({ DATABASE_POOL_SIZE: '20' }));
});
afterAll(async () => {
  await pool?.end();
});

const provider = recordingProvider();

type Place = 'seat' | 'GA place';

async function soldPlace(kind: Place) {
  const seeded = kind === 'seat' ? await seedEvent(pool, { seated: [{ rows: 1, seats_per_row: 1 }] }) : await seedEvent(pool, { ga: [{ capacity: 1 }] });
  const [buyer, friend] = [await createUser(pool), await createUser(pool)];
  const place = kind === 'seat' ? { seatIds: [seeded.seatIds[0]!] } : { ga: [{ section_id: seeded.gaSectionIds[0]!, quantity: 1 }] };
  const sale = await sellDirectly(pool, provider, { eventId: seeded.event.id, userId: buyer.id, ...place });
  const ticket = sale.view.tickets[0]!;
  return { eventId: seeded.event.id, place, sale, ticket, buyer, friend, seatId: seeded.seatIds[0], sectionId: ticket.section_id };
}

/** A settled step as one word: its status when it went through, its code (or message) when refused. */
function outcome(result: { ok: true; value: { status: string } } | { ok: false; error: unknown }): string {
  if (result.ok) return result.value.status;
  return result.error instanceof AppError ? result.error.code : String(result.error);
}

function transfer(s: Awaited<ReturnType<typeof soldPlace>>) {
  return transferTicket(pool, signTicket, { ticketId: s.ticket.ticket_id, requester: { id: s.buyer.id, role: 'user' }, toEmail: s.friend.email });
}

/** After the race: nothing of the refunded order opens the door, and the place sells once more, once. */
async function expectPlaceSoldAgainExactlyOnce(s: Awaited<ReturnType<typeof soldPlace>>, kind: Place): Promise<void> {
  expect(await usableTickets(pool, { orderId: s.sale.orderId })).toBe(0);
  const { rows } = await pool.query<{ status: string }>('SELECT status FROM orders WHERE id = $1', [s.sale.orderId]);
  expect(rows[0]?.status).toBe('REFUNDED');

  const [next, late] = [await createUser(pool), await createUser(pool)];
  const resale = await sellDirectly(pool, provider, { eventId: s.eventId, userId: next.id, ...s.place });
  expect(resale.view.status).toBe('CONFIRMED');
  const second = await settle(sellDirectly(pool, provider, { eventId: s.eventId, userId: late.id, ...s.place }));
  expect(!second.ok && second.error instanceof AppError ? second.error.code : 'sold twice').toBe(kind === 'seat' ? 'SEATS_UNAVAILABLE' : 'INSUFFICIENT_INVENTORY');
  if (kind === 'seat') expect(await usableTickets(pool, { seatId: s.seatId! })).toBe(1);
  else expect(await gaCounter(pool, s.eventId, s.sectionId)).toEqual({ capacity: 1, held: 0, sold: 1 });
  expect(await usableTickets(pool, { sectionId: s.sectionId })).toBe(1);
}

describe.each<Place>(['seat', 'GA place'])('a transfer and a refund of one order racing (%s)', (kind) => {
  test('when the transfer commits while the refund waits, the refund also cancels the recipient’s new ticket, and the place sells again exactly once', async () => {
    const s = await soldPlace(kind);
    const ticketLock = await holdRowLock(pool, 'SELECT 1 FROM tickets WHERE id = $1 FOR UPDATE', [s.ticket.ticket_id]);
    const transferred = settle(transfer(s));
    await waitForLockWaiters(pool, 1);
    const refunded = settle(beginOrderRefund(pool, { orderId: s.sale.orderId, actor: 'admin:test', reason: 'test' }));
    await waitForLockWaiters(pool, 2);
    await ticketLock.release();

    const [transferResult, refundResult] = await Promise.all([transferred, refunded]);
    expect(outcome(transferResult)).toBe('ACTIVE');
    expect(outcome(refundResult)).toBe('REFUNDING');
    if (!transferResult.ok) throw transferResult.error;
    expect(transferResult.value.owner_id).toBe(s.friend.id);
    const { rows } = await pool.query<{ status: string }>('SELECT status FROM tickets WHERE id = $1', [transferResult.value.ticket_id]);
    expect(rows[0]?.status).toBe('CANCELLED');

    await refundDirectly(pool, provider, s.sale.orderId);
    await expectPlaceSoldAgainExactlyOnce(s, kind);
  });

  test('when the refund commits while the transfer waits, the transfer is refused (409 TICKET_CANCELLED) and issues nothing', async () => {
    const s = await soldPlace(kind);
    const ticketLock = await holdRowLock(pool, 'SELECT 1 FROM tickets WHERE id = $1 FOR UPDATE', [s.ticket.ticket_id]);
    const refunded = settle(beginOrderRefund(pool, { orderId: s.sale.orderId, actor: 'admin:test', reason: 'test' }));
    await waitForLockWaiters(pool, 1);
    const transferred = settle(transfer(s));
    await waitForLockWaiters(pool, 2);
    await ticketLock.release();

    const [refundResult, transferResult] = await Promise.all([refunded, transferred]);
    expect(outcome(refundResult)).toBe('REFUNDING');
    expect(outcome(transferResult)).toBe('TICKET_CANCELLED');
    const { rows } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM tickets WHERE order_id = $1', [s.sale.orderId]);
    expect(rows[0]?.n).toBe(1);

    await refundDirectly(pool, provider, s.sale.orderId);
    await expectPlaceSoldAgainExactlyOnce(s, kind);
  });
});

describe('the schema itself refuses a usable ticket for a refunded order', () => {
  test('a ticket inserted for an order that is no longer CONFIRMED is refused, and an order with a usable ticket cannot leave CONFIRMED', async () => {
    const s = await soldPlace('GA place');
    // Leaving CONFIRMED while a ticket still opens the door: refused.
    await expect(
      pool.query(`UPDATE orders SET status = 'REFUNDING', refund_requested_at = now(), refund_reason = 'x' WHERE id = $1`, [s.sale.orderId]),
    ).rejects.toMatchObject({ code: '23514' });
    await refundDirectly(pool, provider, s.sale.orderId);
    // A second live ticket for the refunded order's place: refused.
    await expect(
      pool.query(
        `INSERT INTO tickets (order_id, event_id, section_id, owner_id, qr_code, place_number) VALUES ($1, $2, $3, $4, 'forged-' || gen_random_uuid(), 1)`,
        [s.sale.orderId, s.eventId, s.sectionId, s.friend.id],
      ),
    ).rejects.toMatchObject({ code: '23514' });
  });

  test('two usable tickets for one GA place of an order are refused by a unique index', async () => {
    const s = await soldPlace('GA place');
    await expect(
      pool.query(
        `INSERT INTO tickets (order_id, event_id, section_id, owner_id, qr_code, place_number) VALUES ($1, $2, $3, $4, 'forged-' || gen_random_uuid(), 1)`,
        [s.sale.orderId, s.eventId, s.sectionId, s.friend.id],
      ),
    ).rejects.toMatchObject({ code: '23505', constraint: 'tickets_live_place_key' });
  });
});
