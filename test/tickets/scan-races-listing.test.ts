import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { createPool } from '../../src/db/pool';
import { AppError } from '../../src/domain/errors';
import { openListing } from '../../src/resale/open-listing';
import { scanTicketAtDoor } from '../../src/tickets/scan-ticket';
import { recordingProvider, sellDirectly } from '../support/direct-sales';
import { testConfig, testTicketKeys } from '../support/env';
import { createUser, seedEvent } from '../support/fixtures';
import { holdRowLock, settle, waitForLockWaiters } from '../support/lock-waits';

/*
 * A ticket's scan at the door and its owner listing it for resale, staged in both orders: the test
 * holds the ticket's row lock, queues the two behind it in the order wanted (checked in
 * pg_stat_activity), and lets go. Whichever commits first, a ticket used at the door never stays on
 * sale.
 */

let pool: Pool;
beforeAll(() => {
  pool = createPool(testConfig({ DATABASE_POOL_SIZE: '8' }));
});
afterAll(async () => {
  await pool?.end();
});

const keys = testTicketKeys();

async function soldTicket() {
  const { event, seatIds } = await seedEvent(pool, { seated: [{ rows: 1, seats_per_row: 1 }] });
  const [owner, scanner] = [await createUser(pool), await createUser(pool, { role: 'scanner' })];
  const sale = await sellDirectly(pool, recordingProvider(), { eventId: event.id, userId: owner.id, seatIds: [seatIds[0]!] });
  const ticket = sale.view.tickets[0]!;
  return { eventId: event.id, owner, scannerId: scanner.id, ticket };
}

function list(s: Awaited<ReturnType<typeof soldTicket>>, listingId: string) {
  return openListing(pool, { ticketId: s.ticket.ticket_id, requester: { id: s.owner.id, role: 'user' }, sellerId: s.owner.id, priceCents: 4000, listingId });
}

function scan(s: Awaited<ReturnType<typeof soldTicket>>) {
  return scanTicketAtDoor(pool, keys.verifying, { code: s.ticket.qr_code, scannerId: s.scannerId, eventId: s.eventId });
}

async function statusOf(table: 'tickets' | 'resale_listings', id: string): Promise<{ status: string; close_reason?: string | null }> {
  const { rows } = await pool.query<{ status: string; close_reason?: string | null }>(
    table === 'tickets' ? 'SELECT status FROM tickets WHERE id = $1' : 'SELECT status, close_reason FROM resale_listings WHERE id = $1',
    [id],
  );
  return rows[0]!;
}

describe('a scan at the door and a resale listing of the same ticket, racing', () => {
  test('when the listing commits while the scan waits for the ticket, the scan admits the fan and withdraws that new listing', async () => {
    const s = await soldTicket();
    const listingId = randomUUID();
    const ticketLock = await holdRowLock(pool, 'SELECT 1 FROM tickets WHERE id = $1 FOR UPDATE', [s.ticket.ticket_id]);
    const listed = settle(list(s, listingId));
    await waitForLockWaiters(pool, 1);
    const scanned = settle(scan(s));
    await waitForLockWaiters(pool, 2);
    await ticketLock.release();

    const [listing, admission] = await Promise.all([listed, scanned]);
    if (!listing.ok) throw listing.error;
    if (!admission.ok) throw admission.error;
    expect(listing.value.status).toBe('LISTED');
    expect(admission.value.ticket.status).toBe('USED');
    expect(admission.value.withdrawnListingId).toBe(listingId);
    expect(await statusOf('resale_listings', listingId)).toEqual({ status: 'WITHDRAWN', close_reason: 'SCANNED' });
  });

  test('when the scan commits while the listing waits, the listing is refused TICKET_NOT_ACTIVE and nothing is put on sale', async () => {
    const s = await soldTicket();
    const listingId = randomUUID();
    const ticketLock = await holdRowLock(pool, 'SELECT 1 FROM tickets WHERE id = $1 FOR UPDATE', [s.ticket.ticket_id]);
    const scanned = settle(scan(s));
    await waitForLockWaiters(pool, 1);
    const listed = settle(list(s, listingId));
    await waitForLockWaiters(pool, 2);
    await ticketLock.release();

    const [admission, listing] = await Promise.all([scanned, listed]);
    if (!admission.ok) throw admission.error;
    expect(admission.value.withdrawnListingId).toBeNull();
    expect(listing.ok ? 'listed' : listing.error instanceof AppError ? listing.error.code : String(listing.error)).toBe('TICKET_NOT_ACTIVE');
    expect(await statusOf('tickets', s.ticket.ticket_id)).toEqual({ status: 'USED' });
    const { rows } = await pool.query('SELECT 1 FROM resale_listings WHERE ticket_id = $1', [s.ticket.ticket_id]);
    expect(rows).toHaveLength(0);
  });
});
