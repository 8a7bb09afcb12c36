import type { Pool } from 'pg';
import { createPool } from '../../src/db/pool';
import { markEventCancelled } from '../../src/operations/event-cancellation';
import { applyPriceChanges } from '../../src/pricing/apply-price-changes';
import type { PriceChangeCommand } from '../../src/domain/pricing';
import { testConfig } from '../support/env';
import { seedEvent, type SeededEvent } from '../support/fixtures';
import { holdRowLock, settle, waitForLockWaiters } from '../support/lock-waits';
import { demandPricing, holdAsFan, nextChangeAtMs, sectionPrice } from '../support/pricing-harness';

let pool: Pool;
beforeAll(() => {
  pool = createPool(testConfig());
});
afterAll(async () => {
  await pool.end();
});

async function demandEvent(): Promise<SeededEvent> {
  return seedEvent(pool, {
    seated: [{ rows: 1, seats_per_row: 5, price_cents: 5000 }],
    ga: [{ capacity: 10, price_cents: 3000 }],
    event: { pricing: demandPricing(3600, 10) },
  });
}

/** The change a period's decision would make: every section up 10%, with made-up figures. */
function upTenPercent(seeded: SeededEvent): PriceChangeCommand[] {
  const figures = { capacity: 5, sold: 0, held: 5, queueWaiting: 0, queueShare: 0, demandShare: 1, paceShare: 0, minPriceCents: 0, maxPriceCents: 100_000, maxStepPercent: 10 };
  return [
    { sectionId: seeded.seatedSectionIds[0]!, oldPriceCents: 5000, newPriceCents: 5500, stepPercent: 10, figures },
    { sectionId: seeded.gaSectionIds[0]!, oldPriceCents: 3000, newPriceCents: 3300, stepPercent: 10, figures },
  ];
}

async function reservationPrices(reservationId: string): Promise<{ items: number[]; total: number }> {
  const { rows } = await pool.query<{ price_cents: number; total: number }>(
    `SELECT i.price_cents, r.total_price_cents AS total FROM reservation_items i JOIN reservations r ON r.id = i.reservation_id
      WHERE r.id = $1 ORDER BY i.position`,
    [reservationId],
  );
  return { items: rows.map((r) => r.price_cents), total: rows[0]!.total };
}

describe('a hold keeps the price it was made at', () => {
  test('a price change that comes while a hold is being made waits for it; the hold keeps the old price, and the change starts from that price', async () => {
    const seeded = await demandEvent();
    const periodAtMs = (await nextChangeAtMs(pool, seeded.event.id))!;
    // The hold reads (and share-locks) the prices, then waits for its seat, which the test holds.
    const seat = await holdRowLock(pool, 'SELECT 1 FROM seats WHERE id = $1 FOR UPDATE', [seeded.seatIds[0]]);
    const hold = settle(holdAsFan(pool, { eventId: seeded.event.id, seatIds: [seeded.seatIds[0]!], ga: [{ section_id: seeded.gaSectionIds[0]!, quantity: 2 }] }));
    await waitForLockWaiters(pool, 1);
    const change = settle(applyPriceChanges(pool, { eventId: seeded.event.id, periodAtMs, nextChangeAtMs: periodAtMs + 3_600_000, changes: upTenPercent(seeded) }));
    // The change queues behind the hold's share lock of the price rows: two waiters now.
    await waitForLockWaiters(pool, 2);
    expect(await sectionPrice(pool, seeded.event.id, seeded.seatedSectionIds[0]!)).toBe(5000);
    await seat.release();

    const [held, changed] = await Promise.all([hold, change]);
    if (!held.ok) throw held.error;
    expect(changed).toEqual({ ok: true, value: { applied: true, changed: 2 } });
    expect(held.value.seats.map((s) => s.price_cents)).toEqual([5000]);
    expect(held.value.ga.map((g) => g.price_cents)).toEqual([3000]);
    expect(held.value.total_price_cents).toBe(5000 + 2 * 3000);
    // After the change the event sells at the new prices; the reservation is as it was made.
    expect(await sectionPrice(pool, seeded.event.id, seeded.seatedSectionIds[0]!)).toBe(5500);
    expect(await reservationPrices(held.value.reservation_id)).toEqual({ items: [5000, 3000], total: 11_000 });
    const { rows } = await pool.query<{ old_price_cents: number }>('SELECT old_price_cents FROM price_changes WHERE event_id = $1 AND section_id = $2', [
      seeded.event.id,
      seeded.seatedSectionIds[0],
    ]);
    expect(rows).toEqual([{ old_price_cents: 5000 }]);
  });

  test('a hold that comes while a price change is being written waits for it and is made at the new price on every line, never a mix', async () => {
    const seeded = await demandEvent();
    // The change is under way: both sections' new prices written, not yet committed.
    const writing = await holdRowLock(pool, 'UPDATE event_prices SET price_cents = price_cents * 11 / 10 WHERE event_id = $1', [seeded.event.id]);
    const hold = settle(holdAsFan(pool, { eventId: seeded.event.id, seatIds: [seeded.seatIds[1]!], ga: [{ section_id: seeded.gaSectionIds[0]!, quantity: 3 }] }));
    await waitForLockWaiters(pool, 1);
    await writing.release();
    const held = await hold;
    if (!held.ok) throw held.error;
    expect(held.value.seats.map((s) => s.price_cents)).toEqual([5500]);
    expect(held.value.ga.map((g) => g.price_cents)).toEqual([3300]);
    expect(held.value.total_price_cents).toBe(5500 + 3 * 3300);
  });

  test('a price change after the hold leaves the reservation as it was made', async () => {
    const seeded = await demandEvent();
    const held = await holdAsFan(pool, { eventId: seeded.event.id, seatIds: [seeded.seatIds[2]!], ga: [{ section_id: seeded.gaSectionIds[0]!, quantity: 1 }] });
    const periodAtMs = (await nextChangeAtMs(pool, seeded.event.id))!;
    expect(await applyPriceChanges(pool, { eventId: seeded.event.id, periodAtMs, nextChangeAtMs: null, changes: upTenPercent(seeded) })).toEqual({ applied: true, changed: 2 });
    expect(await reservationPrices(held.reservation_id)).toEqual({ items: [5000, 3000], total: 8000 });
  });

  test('a FIXED event prices its holds as before: a locked price row does not hold them up', async () => {
    const seeded = await seedEvent(pool, { seated: [{ rows: 1, seats_per_row: 2, price_cents: 4000 }] });
    const locked = await holdRowLock(pool, 'SELECT 1 FROM event_prices WHERE event_id = $1 FOR UPDATE', [seeded.event.id]);
    try {
      const held = await holdAsFan(pool, { eventId: seeded.event.id, seatIds: [seeded.seatIds[0]!] });
      expect(held.total_price_cents).toBe(4000);
    } finally {
      await locked.release();
    }
  });
});

describe("a period's prices are applied once, from the prices the decision started from", () => {
  test('a period applied again (a retried activity whose answer was lost) changes nothing more', async () => {
    const seeded = await demandEvent();
    const periodAtMs = (await nextChangeAtMs(pool, seeded.event.id))!;
    const cmd = { eventId: seeded.event.id, periodAtMs, nextChangeAtMs: periodAtMs + 3_600_000, changes: upTenPercent(seeded) };
    expect(await applyPriceChanges(pool, cmd)).toEqual({ applied: true, changed: 2 });
    expect(await applyPriceChanges(pool, cmd)).toEqual({ applied: false, reason: 'ALREADY_APPLIED' });
    expect(await sectionPrice(pool, seeded.event.id, seeded.seatedSectionIds[0]!)).toBe(5500);
    const { rows } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM price_changes WHERE event_id = $1', [seeded.event.id]);
    expect(rows[0]!.n).toBe(2);
    expect(await nextChangeAtMs(pool, seeded.event.id)).toBe(periodAtMs + 3_600_000);
  });

  test('a decision made from a price that is no longer the current one changes nothing at all', async () => {
    const seeded = await demandEvent();
    const periodAtMs = (await nextChangeAtMs(pool, seeded.event.id))!;
    await pool.query('UPDATE event_prices SET price_cents = 5100 WHERE event_id = $1 AND section_id = $2', [seeded.event.id, seeded.seatedSectionIds[0]]);
    const outcome = await settle(applyPriceChanges(pool, { eventId: seeded.event.id, periodAtMs, nextChangeAtMs: null, changes: upTenPercent(seeded) }));
    expect(outcome.ok).toBe(false);
    expect(await sectionPrice(pool, seeded.event.id, seeded.gaSectionIds[0]!)).toBe(3000);
    const { rows } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM price_changes WHERE event_id = $1', [seeded.event.id]);
    expect(rows[0]!.n).toBe(0);
    expect(await nextChangeAtMs(pool, seeded.event.id)).toBe(periodAtMs);
  });

  test("a cancelled event's period moves no price and ends its schedule", async () => {
    const seeded = await demandEvent();
    const periodAtMs = (await nextChangeAtMs(pool, seeded.event.id))!;
    await markEventCancelled(pool, { eventId: seeded.event.id, reason: 'test' });
    expect(await applyPriceChanges(pool, { eventId: seeded.event.id, periodAtMs, nextChangeAtMs: periodAtMs + 3_600_000, changes: upTenPercent(seeded) })).toEqual({
      applied: false,
      reason: 'CANCELLED',
    });
    expect(await sectionPrice(pool, seeded.event.id, seeded.seatedSectionIds[0]!)).toBe(5000);
    expect(await nextChangeAtMs(pool, seeded.event.id)).toBeNull();
  });
});
