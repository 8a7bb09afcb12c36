import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { createPool } from '../../src/db/pool';
import { AppError } from '../../src/domain/errors';
import { holdInventoryOnce, type HoldCommand } from '../../src/inventory/hold';
import { releaseInventory } from '../../src/inventory/release';
import { insertEntry } from '../../src/waitlist/waitlist-entries';
import { gaCounter, seatStatuses } from '../support/db-queries';
import { testConfig } from '../support/env';
import { createUser, seedEvent } from '../support/fixtures';
import { settle } from '../support/lock-waits';

/*
 * In the moment between a hold's held_until and its release, the places are nobody's: they belong to
 * the fans waiting for that section, who get them when the release runs. A buyer who is not in line
 * is refused them meanwhile; in a section where nobody waits, a lapsed hold is available as ever.
 */

let pool: Pool;
beforeAll(() => {
  pool = createPool(testConfig());
});
afterAll(async () => {
  await pool?.end();
});

function command(eventId: string, userId: string, overrides: Partial<HoldCommand>): HoldCommand {
  return { reservationId: randomUUID(), eventId, userId, seatIds: [], ga: [], heldUntil: new Date(Date.now() + 600_000), maxExtensions: 0, idempotencyKey: null, ...overrides };
}

/** A hold whose held_until has passed and whose release has not run yet (no workflow: nothing releases it). */
async function lapsedHold(eventId: string, place: Partial<HoldCommand>): Promise<string> {
  const holder = await createUser(pool);
  const { view } = await holdInventoryOnce(pool, command(eventId, holder.id, { ...place, heldUntil: new Date(Date.now() - 1000) }));
  return view.reservation_id;
}

function codeOf(result: { ok: boolean; error?: unknown }): string | undefined {
  return !result.ok && result.error instanceof AppError ? result.error.code : undefined;
}

describe('places of a lapsed hold go to the waiting list first', () => {
  test('a seat: a rival is refused the lapsed seat while a fan waits for its section, and the release offers it to the fan', async () => {
    const { event, seatIds, seatedSectionIds } = await seedEvent(pool, { seated: [{ rows: 1, seats_per_row: 1 }] });
    const seat = seatIds[0]!;
    const lapsed = await lapsedHold(event.id, { seatIds: [seat] });
    const [fan, rival] = [await createUser(pool), await createUser(pool)];
    await insertEntry(pool, { eventId: event.id, sectionId: seatedSectionIds[0]!, userId: fan.id, quantity: 1 });

    const rivalHold = await settle(holdInventoryOnce(pool, command(event.id, rival.id, { seatIds: [seat] })));
    expect(codeOf(rivalHold)).toBe('SEATS_UNAVAILABLE');

    const released = await releaseInventory(pool, { reservationId: lapsed, status: 'EXPIRED', reason: 'EXPIRED', actor: 'test' });
    expect(released.offers).toEqual([expect.objectContaining({ userId: fan.id, seatIds: [seat] })]);
    const { rows } = await pool.query<{ user_id: string; status: string }>('SELECT r.user_id, s.status FROM seats s JOIN reservations r ON r.id = s.reservation_id WHERE s.id = $1', [seat]);
    expect(rows).toEqual([{ user_id: fan.id, status: 'HELD' }]);
  });

  test('GA: a rival is refused places of a lapsed hold while a fan waits, the release offers the fan theirs, and the rest go back on sale', async () => {
    const { event, gaSectionIds } = await seedEvent(pool, { ga: [{ capacity: 2 }] });
    const section = gaSectionIds[0]!;
    const lapsed = await lapsedHold(event.id, { ga: [{ section_id: section, quantity: 2 }] });
    const [fan, rival] = [await createUser(pool), await createUser(pool)];
    await insertEntry(pool, { eventId: event.id, sectionId: section, userId: fan.id, quantity: 1 });

    const rivalHold = await settle(holdInventoryOnce(pool, command(event.id, rival.id, { ga: [{ section_id: section, quantity: 1 }] })));
    expect(codeOf(rivalHold)).toBe('INSUFFICIENT_INVENTORY');
    expect(await gaCounter(pool, event.id, section)).toEqual({ capacity: 2, held: 2, sold: 0 });

    const released = await releaseInventory(pool, { reservationId: lapsed, status: 'EXPIRED', reason: 'EXPIRED', actor: 'test' });
    expect(released.offers).toEqual([expect.objectContaining({ userId: fan.id, ga: [{ section_id: section, quantity: 1 }] })]);
    expect(await gaCounter(pool, event.id, section)).toEqual({ capacity: 2, held: 1, sold: 0 });
    // The place nobody waited for is on sale again, for anyone.
    const { view } = await holdInventoryOnce(pool, command(event.id, rival.id, { ga: [{ section_id: section, quantity: 1 }] }));
    expect(view.status).toBe('HELD');
  });

  test('where nobody waits for the section, a lapsed hold is available to the next buyer (seat and GA), as the contract says', async () => {
    const { event, seatIds, gaSectionIds, seatedSectionIds } = await seedEvent(pool, { seated: [{ rows: 1, seats_per_row: 1 }, { rows: 1, seats_per_row: 1 }], ga: [{ capacity: 1 }] });
    const seat = seatIds[0]!;
    const section = gaSectionIds[0]!;
    await lapsedHold(event.id, { seatIds: [seat], ga: [{ section_id: section, quantity: 1 }] });
    // Someone waits for the event's other seated section: that line has no claim on these places.
    await insertEntry(pool, { eventId: event.id, sectionId: seatedSectionIds[1]!, userId: (await createUser(pool)).id, quantity: 1 });

    const buyer = await createUser(pool);
    const { view } = await holdInventoryOnce(pool, command(event.id, buyer.id, { seatIds: [seat], ga: [{ section_id: section, quantity: 1 }] }));
    expect(view.status).toBe('HELD');
    expect(await seatStatuses(pool, [seat])).toEqual(['HELD']);
    expect(await gaCounter(pool, event.id, section)).toEqual({ capacity: 1, held: 1, sold: 0 });
  });
});
