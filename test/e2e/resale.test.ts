import { simulatedLedger } from '../../src/payments/simulated-provider';
import { resaleListingWorkflowId } from '../../src/workflows/ids';
import { seatStatuses } from '../support/db-queries';
import { useE2eStack } from '../support/e2e-stack';
import { buyThroughApi, listTicket, moneyOfListing, payoutPaid, purchase, scan, scannerToken, workflowClosed } from '../support/resale';
import { createEventViaApi, registerBuyer, type ApiEvent } from '../support/scenario';

// An event's cancellation waits this long for holds already under way before its last look.
const e2e = useE2eStack({ CANCEL_EVENT_STRAGGLER_SECONDS: '1' });
const pool = () => e2e.stack.server.deps.pool;
const redis = () => e2e.stack.server.deps.redis;

/** Seats at 350.00, GA at 50.00; resale allowed up to 90 % of the face value, with a 10 % fee unless said otherwise. */
async function resaleEvent(resale: Record<string, unknown> = { max_price_percent: 90, fee_percent: 10 }): Promise<ApiEvent> {
  return createEventViaApi(e2e.api, e2e.admin, { rows: 1, seatsPerRow: 8, gaCapacity: 20, event: { resale } });
}

/** A fan who bought one seat (and, when asked, GA places too) and lists the seat. */
async function listedSeat(event: ApiEvent, seatIndex: number, priceCents: number, ga = 0) {
  const seller = await registerBuyer(e2e.api, 'Seller');
  const paid = await buyThroughApi(e2e.api, seller, event, {
    seat_ids: [event.seatIds[seatIndex]],
    ...(ga > 0 ? { ga: [{ section_id: event.gaSectionId, quantity: ga }] } : {}),
  });
  const ticket = paid.tickets.find((t: { seat_id: string | null }) => t.seat_id);
  const listed = await listTicket(e2e.api, seller.token, ticket.ticket_id, priceCents);
  if (listed.status !== 201) throw new Error(`listing: ${listed.status} ${JSON.stringify(listed.body)}`);
  return { seller, paid, ticket, listing: listed.body };
}

async function ticketRow(ticketId: string) {
  const { rows } = await pool().query('SELECT status, owner_id, resold_to, place_number, seat_id FROM tickets WHERE id = $1', [ticketId]);
  return rows[0];
}

describe('listing a ticket', () => {
  test('a price above the cap is 422 PRICE_ABOVE_CAP with max_price_cents; at the cap the ticket is listed with its fee and payout', async () => {
    const event = await resaleEvent();
    const shown = await e2e.api.get(`/api/v1/events/${event.eventId}`);
    expect(shown.body.resale).toEqual({ allowed: true, max_price_percent: 90, fee_percent: 10 });
    const seller = await registerBuyer(e2e.api);
    const paid = await buyThroughApi(e2e.api, seller, event, { seat_ids: [event.seatIds[0]] });
    const ticket = paid.tickets[0];
    expect(ticket).toMatchObject({ face_value_cents: 35000, resale_max_price_cents: 31500, listing_id: null });

    const above = await listTicket(e2e.api, seller.token, ticket.ticket_id, 31501);
    expect([above.status, above.body.error, above.body.max_price_cents]).toEqual([422, 'PRICE_ABOVE_CAP', 31500]);
    const listed = await listTicket(e2e.api, seller.token, ticket.ticket_id, 31500);
    expect(listed.status).toBe(201);
    expect(listed.body).toMatchObject({
      ticket_id: ticket.ticket_id,
      event_id: event.eventId,
      section_id: event.seatedSectionId,
      seat_id: event.seatIds[0],
      price_cents: 31500,
      fee_cents: 3150,
      seller_payout_cents: 28350,
      status: 'LISTED',
      expires_at: shown.body.starts_at,
    });
    // While listed the ticket is still the seller's and still opens the door.
    const mine = await e2e.api.get(`/api/v1/tickets/${ticket.ticket_id}`, { token: seller.token });
    expect(mine.body).toMatchObject({ status: 'ACTIVE', listing_id: listed.body.listing_id });
  });

  test("listing twice is 409 ALREADY_LISTED; someone else's ticket is 404; a used ticket is 409 TICKET_NOT_ACTIVE; an event without resale is 409 RESALE_NOT_ALLOWED", async () => {
    const event = await resaleEvent();
    const { seller, ticket } = await listedSeat(event, 1, 20000);
    const again = await listTicket(e2e.api, seller.token, ticket.ticket_id, 10000);
    expect([again.status, again.body.error]).toEqual([409, 'ALREADY_LISTED']);
    const stranger = await registerBuyer(e2e.api);
    expect((await listTicket(e2e.api, stranger.token, ticket.ticket_id, 10000)).status).toBe(404);

    const usedBy = await registerBuyer(e2e.api);
    const used = (await buyThroughApi(e2e.api, usedBy, event, { ga: [{ section_id: event.gaSectionId, quantity: 1 }] })).tickets[0];
    expect((await scan(e2e.api, await scannerToken(e2e.api, e2e.admin), used.qr_code, event.eventId)).status).toBe(200);
    const refusedUsed = await listTicket(e2e.api, usedBy.token, used.ticket_id, 1000);
    expect([refusedUsed.status, refusedUsed.body.error, refusedUsed.body.ticket_status]).toEqual([409, 'TICKET_NOT_ACTIVE', 'USED']);

    const closed = await resaleEvent({ allowed: false });
    const fan = await registerBuyer(e2e.api);
    const bought = (await buyThroughApi(e2e.api, fan, closed, { seat_ids: [closed.seatIds[0]] })).tickets[0];
    expect(bought.resale_max_price_cents).toBeNull();
    const notAllowed = await listTicket(e2e.api, fan.token, bought.ticket_id, 100);
    expect([notAllowed.status, notAllowed.body.error]).toEqual([409, 'RESALE_NOT_ALLOWED']);
    const listings = await pool().query('SELECT count(*)::int AS n FROM resale_listings WHERE ticket_id = ANY($1::uuid[])', [[used.ticket_id, bought.ticket_id]]);
    expect(listings.rows[0].n).toBe(0);
  });

  test("an event's listings are shown cheapest first, by section if asked; a closed listing is seen only by its seller, its buyer or an admin", async () => {
    const event = await resaleEvent({ max_price_percent: 100, fee_percent: 0 });
    const dear = await listedSeat(event, 2, 30000);
    const cheap = await listedSeat(event, 3, 12000);
    const gaSeller = await registerBuyer(e2e.api);
    const gaTicket = (await buyThroughApi(e2e.api, gaSeller, event, { ga: [{ section_id: event.gaSectionId, quantity: 1 }] })).tickets[0];
    const gaListing = (await listTicket(e2e.api, gaSeller.token, gaTicket.ticket_id, 4000)).body;

    const all = await e2e.api.get(`/api/v1/events/${event.eventId}/resale`);
    expect(all.status).toBe(200);
    expect(all.body.listings.map((l: { listing_id: string }) => l.listing_id)).toEqual([gaListing.listing_id, cheap.listing.listing_id, dear.listing.listing_id]);
    const seated = await e2e.api.get(`/api/v1/events/${event.eventId}/resale?section_id=${event.seatedSectionId}`);
    expect(seated.body.listings.map((l: { price_cents: number }) => l.price_cents)).toEqual([12000, 30000]);
    expect(seated.body.listings[0]).toMatchObject({ row: 'A', number: 4, section_name: 'Floor', face_value_cents: 35000 });
    expect((await e2e.api.get(`/api/v1/events/${event.seatIds[0]}/resale`)).status).toBe(404);

    const stranger = await registerBuyer(e2e.api);
    expect((await e2e.api.get(`/api/v1/resale/${cheap.listing.listing_id}`, { token: stranger.token })).status).toBe(200);
    expect((await e2e.api.request('DELETE', `/api/v1/resale/${cheap.listing.listing_id}`, undefined, { token: cheap.seller.token })).status).toBe(200);
    expect((await e2e.api.get(`/api/v1/resale/${cheap.listing.listing_id}`, { token: stranger.token })).status).toBe(404);
    expect((await e2e.api.get(`/api/v1/resale/${cheap.listing.listing_id}`, { token: cheap.seller.token })).body.status).toBe('WITHDRAWN');
    expect((await e2e.api.get(`/api/v1/resale/${cheap.listing.listing_id}`, { token: e2e.admin })).status).toBe(200);
    expect((await e2e.api.get(`/api/v1/resale/${event.seatIds[0]}`, { token: stranger.token })).status).toBe(404);
    expect((await e2e.api.get(`/api/v1/events/${event.eventId}/resale`)).body.listings).toHaveLength(2);
  });
});

describe('buying a listing', () => {
  test('the seller buying their own listing is 409 OWN_LISTING, and nobody is charged', async () => {
    const event = await resaleEvent();
    const { seller, listing } = await listedSeat(event, 0, 25000);
    const own = await purchase(e2e.api, seller.token, listing.listing_id);
    expect([own.status, own.body.error]).toEqual([409, 'OWN_LISTING']);
    const money = await moneyOfListing(pool(), redis(), listing.listing_id);
    expect([money.purchases, money.capturedCharges]).toEqual([[], []]);
    expect((await e2e.api.get(`/api/v1/resale/${listing.listing_id}`, { token: seller.token })).body.status).toBe('LISTED');
  });

  test('two buyers race for one listing: one gets it (200), the other 409 LISTING_UNAVAILABLE; one charge, one payout', async () => {
    const event = await resaleEvent();
    const { seller, listing } = await listedSeat(event, 1, 30000);
    const [first, second] = [await registerBuyer(e2e.api), await registerBuyer(e2e.api)];
    const answers = await Promise.all([purchase(e2e.api, first.token, listing.listing_id), purchase(e2e.api, second.token, listing.listing_id)]);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 409]);
    const won = answers.find((a) => a.status === 200)!;
    const lost = answers.find((a) => a.status === 409)!;
    expect(lost.body.error).toBe('LISTING_UNAVAILABLE');
    const winner = won === answers[0] ? first : second;
    expect(won.body.listing).toMatchObject({ listing_id: listing.listing_id, status: 'SOLD' });
    expect(won.body.ticket).toMatchObject({ owner_id: winner.id, seat_id: event.seatIds[1], status: 'ACTIVE', resold_from: listing.ticket_id });

    await payoutPaid(pool(), listing.listing_id);
    const money = await moneyOfListing(pool(), redis(), listing.listing_id);
    expect(money.capturedCharges).toHaveLength(1);
    expect(money.purchases).toEqual([expect.objectContaining({ status: 'SUCCEEDED', amount_cents: 30000, buyer_id: winner.id })]);
    expect(money.payouts).toEqual([{ status: 'PAID', amount_cents: 27000, seller_id: seller.id }]);
    expect(money.paidPayouts).toEqual([expect.objectContaining({ amountCents: 27000, destination: seller.id })]);
  });

  test("after the sale the seller's code is 409 TICKET_RESOLD at the door and the buyer's new code is admitted", async () => {
    const event = await resaleEvent();
    const { seller, paid, ticket, listing } = await listedSeat(event, 2, 31500);
    const buyer = await registerBuyer(e2e.api, 'Buyer');
    const bought = await purchase(e2e.api, buyer.token, listing.listing_id);
    expect(bought.status).toBe(200);
    const fresh = bought.body.ticket;
    expect(fresh.qr_code).not.toBe(ticket.qr_code);
    expect(await ticketRow(ticket.ticket_id)).toMatchObject({ status: 'RESOLD', resold_to: fresh.ticket_id, owner_id: seller.id });
    expect(await ticketRow(fresh.ticket_id)).toMatchObject({ status: 'ACTIVE', owner_id: buyer.id, place_number: (await ticketRow(ticket.ticket_id)).place_number });

    const door = await scannerToken(e2e.api, e2e.admin);
    const old = await scan(e2e.api, door, ticket.qr_code, event.eventId);
    expect([old.status, old.body.error]).toEqual([409, 'TICKET_RESOLD']);
    expect((await scan(e2e.api, door, fresh.qr_code, event.eventId)).body).toMatchObject({ valid: true, ticket: { ticket_id: fresh.ticket_id, status: 'USED' } });

    // The seller's order shows the ticket RESOLD; the buyer's tickets list the new one.
    const order = await e2e.api.get(`/api/v1/orders/${paid.order_id}`, { token: seller.token });
    expect(order.body.tickets.map((t: { status: string; resold_to: string }) => [t.status, t.resold_to])).toEqual([['RESOLD', fresh.ticket_id]]);
    const theirs = await e2e.api.get('/api/v1/tickets', { token: buyer.token });
    expect(theirs.body.tickets.map((t: { ticket_id: string }) => t.ticket_id)).toEqual([fresh.ticket_id]);
    // The seat stays sold to the original order: a resale moves the ticket, never the inventory.
    expect(await seatStatuses(pool(), [event.seatIds[2]!])).toEqual(['SOLD']);
  });

  test('a declined card is 402 and the listing stays LISTED; another card then buys it, charged once', async () => {
    const event = await resaleEvent();
    const { listing } = await listedSeat(event, 3, 20000);
    const buyer = await registerBuyer(e2e.api);
    const declined = await purchase(e2e.api, buyer.token, listing.listing_id, 'pm_card_declined');
    expect([declined.status, declined.body.error]).toEqual([402, 'PAYMENT_DECLINED']);
    expect((await e2e.api.get(`/api/v1/resale/${listing.listing_id}`, { token: buyer.token })).body.status).toBe('LISTED');
    expect((await moneyOfListing(pool(), redis(), listing.listing_id)).purchases.map((p) => p.status)).toEqual(['DECLINED']);

    const paid = await purchase(e2e.api, buyer.token, listing.listing_id, 'pm_card_visa');
    expect(paid.status).toBe(200);
    const money = await moneyOfListing(pool(), redis(), listing.listing_id);
    expect(money.purchases.map((p) => p.status)).toEqual(['DECLINED', 'SUCCEEDED']);
    expect(money.capturedCharges).toHaveLength(1);
  });

  test('the buyer asking again, with the same key or without one, gets their purchase and is not charged again', async () => {
    const event = await resaleEvent();
    const { listing } = await listedSeat(event, 4, 15000);
    const buyer = await registerBuyer(e2e.api);
    const first = await purchase(e2e.api, buyer.token, listing.listing_id, 'pm_card_visa', 'buy-once');
    const sameKey = await purchase(e2e.api, buyer.token, listing.listing_id, 'pm_card_visa', 'buy-once');
    await workflowClosed(e2e.stack.server.deps.temporal.workflow.getHandle(resaleListingWorkflowId(listing.listing_id)));
    const later = await purchase(e2e.api, buyer.token, listing.listing_id);
    expect([first.status, sameKey.status, later.status]).toEqual([200, 200, 200]);
    expect(new Set([first.body.ticket.ticket_id, sameKey.body.ticket.ticket_id, later.body.ticket.ticket_id]).size).toBe(1);
    expect((await moneyOfListing(pool(), redis(), listing.listing_id)).capturedCharges).toHaveLength(1);
  });
});

describe('withdrawing a listing', () => {
  test("the seller withdraws it (200 WITHDRAWN); a purchase then is 409 and nobody is charged; a stranger's DELETE is 404; a sold listing cannot be withdrawn (409)", async () => {
    const event = await resaleEvent();
    const { seller, listing } = await listedSeat(event, 5, 10000);
    const stranger = await registerBuyer(e2e.api);
    const del = (id: string, token: string) => e2e.api.request('DELETE', `/api/v1/resale/${id}`, undefined, { token });
    expect((await del(listing.listing_id, stranger.token)).status).toBe(404);
    const withdrawn = await del(listing.listing_id, seller.token);
    expect(withdrawn.body).toMatchObject({ listing_id: listing.listing_id, status: 'WITHDRAWN', closed_at: expect.any(String) });
    expect((await del(listing.listing_id, seller.token)).body.status).toBe('WITHDRAWN');
    const late = await purchase(e2e.api, stranger.token, listing.listing_id);
    expect([late.status, late.body.error]).toEqual([409, 'LISTING_UNAVAILABLE']);
    expect((await moneyOfListing(pool(), redis(), listing.listing_id)).purchases).toEqual([]);

    const sold = await listedSeat(event, 6, 10000);
    expect((await purchase(e2e.api, stranger.token, sold.listing.listing_id)).status).toBe(200);
    const tooLate = await del(sold.listing.listing_id, sold.seller.token);
    expect([tooLate.status, tooLate.body.error]).toEqual([409, 'LISTING_UNAVAILABLE']);
  });

  test('a scan at the door admits a listed ticket and withdraws its listing', async () => {
    const event = await resaleEvent();
    const { ticket, listing } = await listedSeat(event, 7, 10000);
    expect((await scan(e2e.api, await scannerToken(e2e.api, e2e.admin), ticket.qr_code, event.eventId)).status).toBe(200);
    const { rows } = await pool().query('SELECT status, close_reason FROM resale_listings WHERE id = $1', [listing.listing_id]);
    expect(rows[0]).toEqual({ status: 'WITHDRAWN', close_reason: 'SCANNED' });
    // Its workflow was told and has ended.
    const outcome = await e2e.stack.server.deps.temporal.workflow.getHandle(resaleListingWorkflowId(listing.listing_id)).result();
    expect(outcome).toMatchObject({ status: 'WITHDRAWN', payoutId: null });
    const buyer = await registerBuyer(e2e.api);
    expect((await purchase(e2e.api, buyer.token, listing.listing_id)).body.error).toBe('LISTING_UNAVAILABLE');
  });
});

describe('refunds and cancellations after a resale', () => {
  test("an order refunded after one of its tickets was resold: the resale buyer gets their price back, the original buyer the rest, the seller keeps the payout", async () => {
    const event = await resaleEvent({ max_price_percent: 100, fee_percent: 10 });
    // A seat (350.00) and two GA places (50.00 each); the seat is resold for 300.00.
    const { seller, paid, listing } = await listedSeat(event, 0, 30000, 2);
    const buyer = await registerBuyer(e2e.api);
    const bought = await purchase(e2e.api, buyer.token, listing.listing_id);
    expect(bought.status).toBe(200);
    await payoutPaid(pool(), listing.listing_id);

    const refunded = await e2e.api.post(`/api/v1/orders/${paid.order_id}/refund`, undefined, { token: e2e.admin });
    expect([refunded.status, refunded.body.status]).toEqual([200, 'REFUNDED']);
    const ledger = simulatedLedger(redis());
    const [orderCharge] = await ledger.capturedCharges(paid.reservation_id);
    expect(await ledger.refundedAmount(orderCharge!.providerPaymentId)).toBe(45000 - 35000);
    const money = await moneyOfListing(pool(), redis(), listing.listing_id);
    expect(money.purchases).toEqual([expect.objectContaining({ status: 'REFUNDED', amount_cents: 30000, buyer_id: buyer.id })]);
    expect(await ledger.refundedAmount(money.capturedCharges[0]!.providerPaymentId)).toBe(30000);
    expect(money.payouts).toEqual([{ status: 'PAID', amount_cents: 27000, seller_id: seller.id }]);
    const payment = await pool().query('SELECT status, amount_cents, kept_cents FROM payments WHERE id = (SELECT payment_id FROM orders WHERE id = $1)', [paid.order_id]);
    expect(payment.rows[0]).toEqual({ status: 'REFUNDED', amount_cents: 45000, kept_cents: 35000 });

    const door = await scannerToken(e2e.api, e2e.admin);
    expect((await scan(e2e.api, door, bought.body.ticket.qr_code, event.eventId)).body.error).toBe('TICKET_CANCELLED');
    expect(await seatStatuses(pool(), [event.seatIds[0]!])).toEqual(['AVAILABLE']);
    const report = await reconcile(event.eventId);
    expect(report.findings_count).toBe(0);
  });

  test('cancelling an event after a resale withdraws its open listings and refunds each holder what they paid', async () => {
    const event = await resaleEvent({ max_price_percent: 100, fee_percent: 0 });
    const resold = await listedSeat(event, 1, 20000);
    const open = await listedSeat(event, 2, 25000);
    const buyer = await registerBuyer(e2e.api);
    expect((await purchase(e2e.api, buyer.token, resold.listing.listing_id)).status).toBe(200);
    await payoutPaid(pool(), resold.listing.listing_id);

    const cancelled = await e2e.api.post(`/api/v1/admin/events/${event.eventId}/cancel`, { reason: 'storm' }, { token: e2e.admin });
    expect(cancelled.status).toBe(202);
    await e2e.stack.server.deps.temporal.workflow.getHandle(`cancel-event-${event.eventId}`).result();

    const listings = await pool().query('SELECT id, status, close_reason FROM resale_listings WHERE event_id = $1 ORDER BY price_cents', [event.eventId]);
    expect(listings.rows).toEqual([
      { id: resold.listing.listing_id, status: 'SOLD', close_reason: 'SOLD' },
      { id: open.listing.listing_id, status: 'WITHDRAWN', close_reason: 'EVENT_CANCELLED' },
    ]);
    const ledger = simulatedLedger(redis());
    const refundedOf = async (reservationId: string) => ledger.refundedAmount((await ledger.capturedCharges(reservationId))[0]!.providerPaymentId);
    // The resale buyer paid 200.00 and gets 200.00; the first seller keeps their 200.00 payout and gets nothing
    // more for the seat they sold; the second seller (listing withdrawn) gets their 350.00 back.
    const resoldMoney = await moneyOfListing(pool(), redis(), resold.listing.listing_id);
    expect(await ledger.refundedAmount(resoldMoney.capturedCharges[0]!.providerPaymentId)).toBe(20000);
    expect(resoldMoney.payouts).toEqual([{ status: 'PAID', amount_cents: 20000, seller_id: resold.seller.id }]);
    expect(await refundedOf(resold.paid.reservation_id)).toBeNull();
    expect(await refundedOf(open.paid.reservation_id)).toBe(35000);
    const payments = await pool().query(
      `SELECT r.id AS reservation_id, p.status, p.kept_cents FROM payments p JOIN reservations r ON r.id = p.reservation_id WHERE r.event_id = $1 ORDER BY p.kept_cents DESC`,
      [event.eventId],
    );
    expect(payments.rows).toEqual([
      { reservation_id: resold.paid.reservation_id, status: 'REFUNDED', kept_cents: 35000 },
      { reservation_id: open.paid.reservation_id, status: 'REFUNDED', kept_cents: 0 },
    ]);
    const report = await reconcile(event.eventId);
    expect(report.findings_count).toBe(0);
  });
});

describe('reconciliation of resale money', () => {
  test('a sold listing without its payout, a payout of a listing not sold, and a captured charge with neither a sale nor a refund are named', async () => {
    const event = await resaleEvent();
    const sold = await listedSeat(event, 3, 10000);
    const buyer = await registerBuyer(e2e.api);
    expect((await purchase(e2e.api, buyer.token, sold.listing.listing_id)).status).toBe(200);
    await payoutPaid(pool(), sold.listing.listing_id);
    const withdrawn = await listedSeat(event, 4, 10000);
    expect((await e2e.api.request('DELETE', `/api/v1/resale/${withdrawn.listing.listing_id}`, undefined, { token: withdrawn.seller.token })).status).toBe(200);
    expect((await reconcile(event.eventId)).findings_count).toBe(0);

    // By hand, behind the platform's back, an hour ago: the payout moves to the withdrawn listing, and a
    // charge captured for it is left without a sale or a refund.
    await pool().query(`UPDATE resale_listings SET closed_at = now() - interval '1 hour' WHERE id = ANY($1::uuid[])`, [[sold.listing.listing_id, withdrawn.listing.listing_id]]);
    await pool().query(`UPDATE resale_payouts SET listing_id = $2 WHERE listing_id = $1`, [sold.listing.listing_id, withdrawn.listing.listing_id]);
    const stray = await pool().query<{ id: string }>(
      `INSERT INTO resale_purchases (listing_id, buyer_id, idempotency_key, amount_cents, status, provider_payment_id, updated_at)
       VALUES ($1, $2, $3, 10000, 'SUCCEEDED', $3, now() - interval '1 hour') RETURNING id`,
      [withdrawn.listing.listing_id, buyer.id, `stray-${withdrawn.listing.listing_id}`],
    );
    const report = await reconcile(event.eventId);
    expect(report.counts).toMatchObject({ PAYOUT_MISMATCH: 2, RESALE_CHARGE_WITHOUT_SALE: 1 });
    expect(report.findings).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ check: 'PAYOUT_MISMATCH', subject: sold.listing.listing_id, detail: expect.stringContaining('0 payout(s)') }),
        expect.objectContaining({ check: 'PAYOUT_MISMATCH', detail: expect.stringContaining(`listing ${withdrawn.listing.listing_id}, which is WITHDRAWN`) }),
        expect.objectContaining({ check: 'RESALE_CHARGE_WITHOUT_SALE', subject: stray.rows[0]!.id }),
      ]),
    );
  });
});

async function reconcile(eventId: string) {
  const started = await e2e.api.post('/api/v1/admin/reconciliation', { event_id: eventId }, { token: e2e.admin });
  expect(started.status).toBe(202);
  await e2e.stack.server.deps.temporal.workflow.getHandle(started.body.workflow_id).result();
  const report = await e2e.api.get('/api/v1/admin/reconciliation', { token: e2e.admin });
  expect(report.body.workflow_id).toBe(started.body.workflow_id);
  return report.body;
}
