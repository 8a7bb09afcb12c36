import { createReservationActivities } from '../../src/activities/reservation-activities';
import { reservationWorkflowId } from '../../src/workflows/ids';
import { gaCounter, seatStatuses } from '../support/db-queries';
import { useE2eStack } from '../support/e2e-stack';
import { testTicketKeys } from '../support/env';
import { createEventViaApi, registerBuyer, type ApiEvent, type Buyer } from '../support/scenario';
import { openSse } from '../support/sse';

const e2e = useE2eStack();
const pool = () => e2e.stack.server.deps.pool;

/**
 * Offers are held for the event's hold duration: short here, so an unpaid one lapses within the test,
 * yet long enough for the test to act on an offer before it lapses on a busy machine (3 s was not).
 */
const OFFER_SECONDS = 5;

function freshEvent(shape: { rows?: number; seatsPerRow?: number; gaCapacity?: number }): Promise<ApiEvent> {
  return createEventViaApi(e2e.api, e2e.admin, { ...shape, event: { hold_duration_seconds: OFFER_SECONDS } });
}

function hold(buyer: Buyer, event: ApiEvent, body: Record<string, unknown>) {
  return e2e.api.post('/api/v1/reservations', { event_id: event.eventId, ...body }, { token: buyer.token });
}

const join = (fan: Buyer, event: ApiEvent, sectionId: string, quantity = 1) =>
  e2e.api.post(`/api/v1/events/${event.eventId}/waitlist`, { section_id: sectionId, quantity }, { token: fan.token });
const entryOf = async (fan: Buyer, event: ApiEvent) => (await e2e.api.get(`/api/v1/events/${event.eventId}/waitlist`, { token: fan.token })).body;

async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string, timeoutMs = 15_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > until) throw new Error(`${what}: not reached in time; last: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const offered = (fan: Buyer, event: ApiEvent) => eventually(() => entryOf(fan, event), (e) => e.status === 'OFFERED', 'offer');

/** Live reservations (held or sold) per seat: a place offered twice would show as two. */
async function liveHoldersPerSeat(eventId: string): Promise<Record<string, number>> {
  const { rows } = await pool().query<{ seat_id: string; n: number }>(
    `SELECT i.seat_id, count(*)::int AS n FROM reservation_items i JOIN reservations r ON r.id = i.reservation_id
      WHERE r.event_id = $1 AND i.seat_id IS NOT NULL AND r.status IN ('HELD', 'PAYMENT_PENDING', 'CONFIRMED')
      GROUP BY i.seat_id`,
    [eventId],
  );
  return Object.fromEntries(rows.map((r) => [r.seat_id, r.n]));
}

describe('the waiting list of a sold-out section', () => {
  test('when three fans wait for a sold-out section, they get places in order as holds expire, none twice, and an unpaid offer moves on', async () => {
    const event = await freshEvent({ rows: 1, seatsPerRow: 2 });
    const section = event.seatedSectionId!;
    const [first, second] = [await registerBuyer(e2e.api, 'first buyer'), await registerBuyer(e2e.api, 'second buyer')];
    expect((await hold(first, event, { seat_ids: [event.seatIds[0]], hold_duration_seconds: 2 })).status).toBe(201);
    expect((await hold(second, event, { seat_ids: [event.seatIds[1]], hold_duration_seconds: 2 })).status).toBe(201);
    const stream = await openSse(`${e2e.stack.url}/api/v1/events/${event.eventId}/stream`);
    await stream.waitFor((e) => e.event === 'ready');

    const fans = [await registerBuyer(e2e.api, 'fan 1'), await registerBuyer(e2e.api, 'fan 2'), await registerBuyer(e2e.api, 'fan 3')];
    for (const [i, fan] of fans.entries()) {
      const joined = await join(fan, event, section);
      expect(joined.status).toBe(201);
      expect(joined.body).toMatchObject({ status: 'WAITING', position: i + 1, quantity: 1, section_id: section, offer: null });
    }

    // Both holds lapse together: the two places go to the first two fans, one each, in line order.
    const [offer1, offer2] = [await offered(fans[0]!, event), await offered(fans[1]!, event)];
    expect(await entryOf(fans[2]!, event)).toMatchObject({ status: 'WAITING', position: 1 });
    expect(Date.parse(offer1.offer.offered_at)).toBeLessThanOrEqual(Date.parse(offer2.offer.offered_at));
    const reservation1 = (await e2e.api.get(`/api/v1/reservations/${offer1.offer.reservation_id}`, { token: fans[0]!.token })).body;
    const reservation2 = (await e2e.api.get(`/api/v1/reservations/${offer2.offer.reservation_id}`, { token: fans[1]!.token })).body;
    expect(reservation1).toMatchObject({ status: 'HELD', user_id: fans[0]!.id, total_price_cents: 35000 });
    expect(reservation2).toMatchObject({ status: 'HELD', user_id: fans[1]!.id });
    const seat1 = reservation1.seats[0].seat_id as string;
    const seat2 = reservation2.seats[0].seat_id as string;
    expect(new Set([seat1, seat2])).toEqual(new Set(event.seatIds));
    // A fan watching the map sees the places taken by the waiting list.
    await stream.waitFor((e) => e.event === 'inventory' && e.data.cause === 'offer', 10_000, 'the offer on the live stream');
    stream.close();

    // The first fan pays like for any hold; the second lets the offer lapse, and it moves on to the third.
    const paid = await e2e.api.post(`/api/v1/reservations/${offer1.offer.reservation_id}/confirm`, { payment_method_id: 'pm_card_visa' }, { token: fans[0]!.token });
    expect(paid.status).toBe(200);
    expect(paid.body.status).toBe('CONFIRMED');
    const offer3 = await offered(fans[2]!, event);
    const reservation3 = (await e2e.api.get(`/api/v1/reservations/${offer3.offer.reservation_id}`, { token: fans[2]!.token })).body;
    expect(reservation3.seats.map((s: { seat_id: string }) => s.seat_id)).toEqual([seat2]);
    expect(Date.parse(offer3.offer.offered_at)).toBeGreaterThanOrEqual(Date.parse(reservation2.held_until));
    expect(await entryOf(fans[0]!, event)).toMatchObject({ status: 'PURCHASED', position: null });
    expect(await entryOf(fans[1]!, event)).toMatchObject({ status: 'OFFER_LAPSED', offer: { reservation_status: 'EXPIRED' } });

    // None twice: every seat has at most one live reservation, and each fan got exactly one offer.
    expect(await liveHoldersPerSeat(event.eventId)).toEqual({ [seat1]: 1, [seat2]: 1 });
    const { rows } = await pool().query<{ n: number }>(
      `SELECT count(*)::int AS n FROM waitlist_entries WHERE event_id = $1 AND reservation_id IS NOT NULL`,
      [event.eventId],
    );
    expect(rows[0]!.n).toBe(3);

    // The third fan declines by cancelling: nobody is waiting, so the seat is back on sale.
    const cancelled = await e2e.api.delete(`/api/v1/reservations/${offer3.offer.reservation_id}`, { token: fans[2]!.token });
    expect(cancelled.status).toBe(200);
    expect(await seatStatuses(pool(), [seat2])).toEqual(['AVAILABLE']);
    expect(await entryOf(fans[2]!, event)).toMatchObject({ status: 'OFFER_LAPSED', offer: { reservation_status: 'CANCELLED' } });
  });

  test('a refunded order puts its GA places in the hands of the fan waiting for them', async () => {
    const event = await freshEvent({ gaCapacity: 2 });
    const buyer = await registerBuyer(e2e.api);
    const held = await hold(buyer, event, { ga: [{ section_id: event.gaSectionId, quantity: 2 }] });
    const paid = await e2e.api.post(`/api/v1/reservations/${held.body.reservation_id}/confirm`, { payment_method_id: 'pm_card_visa' }, { token: buyer.token });
    expect(paid.status).toBe(200);
    const fan = await registerBuyer(e2e.api, 'GA fan');
    expect((await join(fan, event, event.gaSectionId!, 2)).status).toBe(201);

    const refund = await e2e.api.post(`/api/v1/orders/${paid.body.order_id}/refund`, undefined, { token: e2e.admin });
    expect(refund.status).toBe(200);
    const entry = await offered(fan, event);
    const reservation = (await e2e.api.get(`/api/v1/reservations/${entry.offer.reservation_id}`, { token: fan.token })).body;
    expect(reservation).toMatchObject({ status: 'HELD', ga: [{ section_id: event.gaSectionId, quantity: 2, price_cents: 5000 }], total_price_cents: 10000 });
    expect(await gaCounter(pool(), event.eventId, event.gaSectionId!)).toMatchObject({ held: 2, sold: 0 });
    const bought = await e2e.api.post(`/api/v1/reservations/${entry.offer.reservation_id}/confirm`, { payment_method_id: 'pm_card_visa' }, { token: fan.token });
    expect(bought.body).toMatchObject({ status: 'CONFIRMED' });
    expect(bought.body.tickets).toHaveLength(2);
  });

  test('the line is served strictly in order: a fan wanting two places is not passed over for one wanting one', async () => {
    const event = await freshEvent({ rows: 1, seatsPerRow: 2 });
    const section = event.seatedSectionId!;
    const [a, b] = [await registerBuyer(e2e.api), await registerBuyer(e2e.api)];
    expect((await hold(a, event, { seat_ids: [event.seatIds[0]], hold_duration_seconds: 1 })).status).toBe(201);
    const long = await hold(b, event, { seat_ids: [event.seatIds[1]], hold_duration_seconds: 600 });
    const [pair, single] = [await registerBuyer(e2e.api, 'pair'), await registerBuyer(e2e.api, 'single')];
    expect((await join(pair, event, section, 2)).status).toBe(201);
    expect((await join(single, event, section, 1)).status).toBe(201);

    // One seat comes back: the pair at the head of the line does not fit, and nobody behind is served first.
    await eventually(async () => (await pool().query('SELECT status FROM reservations WHERE user_id = $1', [a.id])).rows[0]?.status, (s) => s === 'EXPIRED', 'expiry');
    expect(await entryOf(pair, event)).toMatchObject({ status: 'WAITING', position: 1 });
    expect(await entryOf(single, event)).toMatchObject({ status: 'WAITING', position: 2 });

    // The other seat comes back too (a cancellation): now the pair gets both.
    expect((await e2e.api.delete(`/api/v1/reservations/${long.body.reservation_id}`, { token: b.token })).status).toBe(200);
    const entry = await offered(pair, event);
    const reservation = (await e2e.api.get(`/api/v1/reservations/${entry.offer.reservation_id}`, { token: pair.token })).body;
    expect(reservation.seats.map((s: { seat_id: string }) => s.seat_id).sort()).toEqual([...event.seatIds].sort());
    expect(await entryOf(single, event)).toMatchObject({ status: 'WAITING', position: 1 });
  });

  test('a release retried after it committed offers nothing twice and starts the offer its workflow once', async () => {
    const event = await freshEvent({ gaCapacity: 1 });
    const buyer = await registerBuyer(e2e.api);
    const held = await hold(buyer, event, { ga: [{ section_id: event.gaSectionId, quantity: 1 }], hold_duration_seconds: 600 });
    const fan = await registerBuyer(e2e.api, 'patient fan');
    expect((await join(fan, event, event.gaSectionId!)).status).toBe(201);

    // The release step as the worker runs it, twice: the second is what Temporal does after a lost reply.
    const { config, server } = e2e.stack;
    const activities = createReservationActivities({
      pool: pool(),
      redis: server.deps.redis,
      ticketKeys: testTicketKeys(),
      temporal: server.deps.temporal,
      offerSettings: { taskQueue: config.TEMPORAL_TASK_QUEUE, paymentGraceSeconds: 5, maxPaymentAttempts: 3 },
    });
    const release = { reservationId: held.body.reservation_id as string, status: 'CANCELLED' as const, reason: 'CANCELLED_BY_USER' };
    await activities.releaseInventory(release);
    const entry = await offered(fan, event);
    const runId = (await server.deps.temporal.workflow.getHandle(reservationWorkflowId(entry.offer.reservation_id)).describe()).runId;
    await activities.releaseInventory(release);

    expect(await entryOf(fan, event)).toMatchObject({ status: 'OFFERED', offer: { reservation_id: entry.offer.reservation_id } });
    expect(await gaCounter(pool(), event.eventId, event.gaSectionId!)).toMatchObject({ held: 1, sold: 0 });
    const { rows } = await pool().query<{ n: number }>(`SELECT count(*)::int AS n FROM reservations WHERE event_id = $1 AND user_id = $2`, [event.eventId, fan.id]);
    expect(rows[0]!.n).toBe(1);
    const described = await server.deps.temporal.workflow.getHandle(reservationWorkflowId(entry.offer.reservation_id)).describe();
    expect(described.runId).toBe(runId);
    expect(described.status.name).toBe('RUNNING');
    // The workflow adopted the hold as the offer made it, deadline included.
    const live = await server.deps.temporal.workflow.getHandle(reservationWorkflowId(entry.offer.reservation_id)).query<{ held_until: string } | null>('reservation');
    expect(live?.held_until).toBe(entry.offer.held_until);
  });
});

describe('joining, reading and leaving the line', () => {
  test('a section with places for sale has no line; one fan, one place in line; leaving takes the fan out', async () => {
    const event = await freshEvent({ rows: 1, seatsPerRow: 1 });
    const section = event.seatedSectionId!;
    const fan = await registerBuyer(e2e.api);
    const open = await join(fan, event, section);
    expect(open.status).toBe(409);
    expect(open.body).toMatchObject({ error: 'TICKETS_AVAILABLE', section_id: section, available: 1 });

    const buyer = await registerBuyer(e2e.api);
    const held = await hold(buyer, event, { seat_ids: [event.seatIds[0]], hold_duration_seconds: 600 });
    expect(held.status).toBe(201);
    expect((await e2e.api.get(`/api/v1/events/${event.eventId}/waitlist`, { token: fan.token })).status).toBe(404);
    const joined = await join(fan, event, section);
    expect(joined.status).toBe(201);
    const again = await join(fan, event, section);
    expect(again.status).toBe(200);
    expect(again.body.entry_id).toBe(joined.body.entry_id);
    const other = await join(fan, event, section, 2);
    expect(other.status).toBe(409);
    expect(other.body).toMatchObject({ error: 'ALREADY_ON_WAITLIST', entry: { entry_id: joined.body.entry_id } });
    const tooMany = await join(fan, event, section, 7);
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error).toBe('VALIDATION_ERROR');
    expect((await e2e.api.post(`/api/v1/events/${event.eventId}/waitlist`, { section_id: section, quantity: 1 })).status).toBe(401);

    const left = await e2e.api.delete(`/api/v1/events/${event.eventId}/waitlist`, { token: fan.token });
    expect(left.status).toBe(200);
    expect(left.body).toMatchObject({ entry_id: joined.body.entry_id, status: 'LEFT', position: null });
    expect((await e2e.api.delete(`/api/v1/events/${event.eventId}/waitlist`, { token: fan.token })).status).toBe(404);
    // The cancellation frees the seat with nobody in line: it goes back on sale.
    expect((await e2e.api.delete(`/api/v1/reservations/${held.body.reservation_id}`, { token: buyer.token })).status).toBe(200);
    expect(await seatStatuses(pool(), [event.seatIds[0]!])).toEqual(['AVAILABLE']);
    expect((await e2e.api.get('/api/v1/events/5b0c7a6e-8f41-4c1e-9d1b-2f7e3c9a0d11/waitlist', { token: fan.token })).body.error).toBe('EVENT_NOT_FOUND');
  });

  test('the waiting list is in the OpenAPI document', async () => {
    const doc = (await e2e.api.get('/openapi.json')).body;
    const path = doc.paths['/api/v1/events/{id}/waitlist'];
    expect(Object.keys(path).sort()).toEqual(['delete', 'get', 'post']);
    expect(path.post.operationId).toBe('joinWaitlist');
    expect(doc.components.schemas.WaitlistEntry.properties.status.enum).toContain('OFFER_LAPSED');
  });
});
