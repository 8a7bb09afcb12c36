import { createHmac } from 'node:crypto';
import { paymentsOf, seatStatuses } from '../support/db-queries';
import { useE2eStack } from '../support/e2e-stack';
import { createEventViaApi, registerBuyer, type ApiEvent, type Buyer } from '../support/scenario';

const e2e = useE2eStack();

const pool = () => e2e.stack.server.deps.pool;

async function freshEvent(): Promise<ApiEvent> {
  return createEventViaApi(e2e.api, e2e.admin, { rows: 2, seatsPerRow: 5, gaCapacity: 20 });
}

async function hold(buyer: Buyer, body: Record<string, unknown>, headers: Record<string, string> = {}) {
  return e2e.api.post('/api/v1/reservations', body, { token: buyer.token, headers });
}

function sign(body: string): string {
  return createHmac('sha256', e2e.stack.config.PAYMENT_WEBHOOK_SECRET).update(body).digest('hex');
}

describe('buying tickets over HTTP', () => {
  test('a buyer browses, holds two seats and two GA tickets, extends, pays, and gets a ticket for each', async () => {
    const event = await freshEvent();
    const buyer = await registerBuyer(e2e.api);
    const listed = await e2e.api.get(`/api/v1/events/${event.eventId}`);
    expect(listed.status).toBe(200);

    const held = await hold(buyer, { event_id: event.eventId, seat_ids: event.seatIds.slice(0, 2), ga: [{ section_id: event.gaSectionId, quantity: 2 }] });
    expect(held.status).toBe(201);
    expect(held.headers.get('x-request-id')).toBeTruthy();
    expect(held.body).toMatchObject({ status: 'HELD', user_id: buyer.id, event_id: event.eventId, total_price_cents: 2 * 35000 + 2 * 5000, extensions_used: 0, order_id: null, tickets: [] });
    const id = held.body.reservation_id as string;

    const map = await e2e.api.get(`/api/v1/events/${event.eventId}/seats?status=HELD`);
    expect(map.body.sections.flatMap((s: { seats?: Array<{ seat_id: string }> }) => (s.seats ?? []).map((x) => x.seat_id)).sort()).toEqual(event.seatIds.slice(0, 2).sort());

    const extended = await e2e.api.post(`/api/v1/reservations/${id}/extend`, undefined, { token: buyer.token });
    expect(extended.status).toBe(200);
    expect(Date.parse(extended.body.held_until)).toBeGreaterThan(Date.parse(held.body.held_until));
    const again = await e2e.api.post(`/api/v1/reservations/${id}/extend`, undefined, { token: buyer.token });
    expect(again.status).toBe(409);
    expect(again.body.error).toBe('EXTENSION_LIMIT');

    const confirmed = await e2e.api.post(`/api/v1/reservations/${id}/confirm`, { payment_method_id: 'pm_card_visa' }, { token: buyer.token });
    expect(confirmed.status).toBe(200);
    expect(confirmed.body.status).toBe('CONFIRMED');
    expect(confirmed.body.order_id).toEqual(expect.any(String));
    expect(confirmed.body.tickets).toHaveLength(4);

    const twice = await e2e.api.post(`/api/v1/reservations/${id}/confirm`, { payment_method_id: 'pm_card_visa' }, { token: buyer.token });
    expect(twice.status).toBe(200);
    expect(twice.body.order_id).toBe(confirmed.body.order_id);
    expect(await paymentsOf(pool(), id)).toHaveLength(1);
    expect(await seatStatuses(pool(), event.seatIds.slice(0, 2))).toEqual(['SOLD', 'SOLD']);

    const read = await e2e.api.get(`/api/v1/reservations/${id}`, { token: buyer.token });
    expect(read.body).toMatchObject({ status: 'CONFIRMED', order_id: confirmed.body.order_id });
  });

  test('the same X-Idempotency-Key sent five times at once holds once and answers the same reservation', async () => {
    const event = await freshEvent();
    const buyer = await registerBuyer(e2e.api);
    const body = { event_id: event.eventId, ga: [{ section_id: event.gaSectionId, quantity: 3 }] };
    const answers = await Promise.all(Array.from({ length: 5 }, () => hold(buyer, body, { 'X-Idempotency-Key': 'checkout-42' })));
    const ids = new Set(answers.map((a) => a.body.reservation_id));
    expect(ids.size).toBe(1);
    expect(answers.filter((a) => a.status === 201)).toHaveLength(1);
    expect(answers.filter((a) => a.status === 200)).toHaveLength(4);
    const counter = await pool().query('SELECT held FROM ga_inventory WHERE event_id = $1', [event.eventId]);
    expect(counter.rows[0].held).toBe(3);

    const other = await registerBuyer(e2e.api);
    const theirs = await hold(other, body, { 'X-Idempotency-Key': 'checkout-42' });
    expect(theirs.status).toBe(201);
    expect(theirs.body.reservation_id).not.toBe([...ids][0]);
  });

  test('a cancelled hold frees its seats, and paying for it afterwards is refused without charging', async () => {
    const event = await freshEvent();
    const buyer = await registerBuyer(e2e.api);
    const held = await hold(buyer, { event_id: event.eventId, seat_ids: event.seatIds.slice(2, 4) });
    const id = held.body.reservation_id;
    const cancelled = await e2e.api.delete(`/api/v1/reservations/${id}`, { token: buyer.token });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ status: 'CANCELLED', seats_released: [...event.seatIds.slice(2, 4)].sort(), ga_released: [] });
    expect(await seatStatuses(pool(), event.seatIds.slice(2, 4))).toEqual(['AVAILABLE', 'AVAILABLE']);

    const pay = await e2e.api.post(`/api/v1/reservations/${id}/confirm`, { payment_method_id: 'pm_card_visa' }, { token: buyer.token });
    expect(pay.status).toBe(409);
    expect(pay.body.error).toBe('RESERVATION_CANCELLED');
    expect(await paymentsOf(pool(), id)).toEqual([]);
    const cancelAgain = await e2e.api.delete(`/api/v1/reservations/${id}`, { token: buyer.token });
    expect(cancelAgain.status).toBe(200);
    expect(cancelAgain.body.seats_released).toEqual(cancelled.body.seats_released);
  });

  test('a declined card answers 402 and keeps the hold; a flaky processor is retried by the server and the buyer sees one 200', async () => {
    const event = await freshEvent();
    const buyer = await registerBuyer(e2e.api);
    const held = await hold(buyer, { event_id: event.eventId, seat_ids: [event.seatIds[4]] });
    const id = held.body.reservation_id;
    const declined = await e2e.api.post(`/api/v1/reservations/${id}/confirm`, { payment_method_id: 'pm_card_declined' }, { token: buyer.token });
    expect(declined.status).toBe(402);
    expect(declined.body).toMatchObject({ error: 'PAYMENT_DECLINED', attempts_remaining: 2 });
    expect((await e2e.api.get(`/api/v1/reservations/${id}`, { token: buyer.token })).body).toMatchObject({ status: 'HELD', payment_attempts: 1 });

    const paid = await e2e.api.post(`/api/v1/reservations/${id}/confirm`, { payment_method_id: 'pm_card_error' }, { token: buyer.token });
    expect(paid.status).toBe(200);
    expect(paid.body.status).toBe('CONFIRMED');
  });

  test("another buyer's reservation is not found (404), and without a token it is 401", async () => {
    const event = await freshEvent();
    const owner = await registerBuyer(e2e.api);
    const stranger = await registerBuyer(e2e.api);
    const held = await hold(owner, { event_id: event.eventId, seat_ids: [event.seatIds[5]] });
    const id = held.body.reservation_id;
    for (const res of [
      await e2e.api.get(`/api/v1/reservations/${id}`, { token: stranger.token }),
      await e2e.api.post(`/api/v1/reservations/${id}/confirm`, { payment_method_id: 'pm_card_visa' }, { token: stranger.token }),
      await e2e.api.delete(`/api/v1/reservations/${id}`, { token: stranger.token }),
    ]) {
      expect(res.status).toBe(404);
      expect(res.body.error).toBe('NOT_FOUND');
    }
    expect((await e2e.api.get(`/api/v1/reservations/${id}`)).status).toBe(401);
    expect((await e2e.api.get(`/api/v1/reservations/${id}`, { token: e2e.admin })).status).toBe(200);
    expect(await seatStatuses(pool(), [event.seatIds[5]!])).toEqual(['HELD']);
  });

  test('a provider webhook pays a held reservation; a forged one is refused; one after cancellation is refunded', async () => {
    const event = await freshEvent();
    const buyer = await registerBuyer(e2e.api);
    const held = await hold(buyer, { event_id: event.eventId, seat_ids: [event.seatIds[6]] });
    const id = held.body.reservation_id;

    const forged = JSON.stringify({ reservation_id: id, payment_id: 'pay_forged', status: 'succeeded', amount_cents: 35000 });
    const refused = await e2e.api.post('/api/v1/payments/webhook', undefined, { raw: forged, headers: { 'x-signature': 'ab'.repeat(32) } });
    expect(refused.status).toBe(401);
    expect(refused.body.error).toBe('INVALID_SIGNATURE');

    const body = JSON.stringify({ reservation_id: id, payment_id: `pay_${id}`, status: 'succeeded', amount_cents: 35000 });
    const accepted = await e2e.api.post('/api/v1/payments/webhook', undefined, { raw: body, headers: { 'x-signature': sign(body) } });
    expect(accepted.status).toBe(202);
    await eventually(async () => (await e2e.api.get(`/api/v1/reservations/${id}`, { token: buyer.token })).body.status === 'CONFIRMED');

    const late = await hold(buyer, { event_id: event.eventId, seat_ids: [event.seatIds[7]] });
    await e2e.api.delete(`/api/v1/reservations/${late.body.reservation_id}`, { token: buyer.token });
    const lateBody = JSON.stringify({ reservation_id: late.body.reservation_id, payment_id: `pay_${late.body.reservation_id}`, status: 'succeeded', amount_cents: 35000 });
    expect((await e2e.api.post('/api/v1/payments/webhook', undefined, { raw: lateBody, headers: { 'x-signature': sign(lateBody) } })).status).toBe(202);
    await eventually(async () => (await paymentsOf(pool(), late.body.reservation_id)).some((p) => p.status === 'REFUNDED'));
    expect(await seatStatuses(pool(), [event.seatIds[7]!])).toEqual(['AVAILABLE']);
  });
});

async function eventually(check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
