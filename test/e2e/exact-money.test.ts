import { createHmac } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { simulatedLedger } from '../../src/payments/simulated-provider';
import { reservationWorkflowId } from '../../src/workflows/ids';
import { paymentsOf } from '../support/db-queries';
import { useE2eStack } from '../support/e2e-stack';
import type { HttpResponse } from '../support/http';
import { createEventViaApi, registerBuyer, type ApiEvent, type Buyer } from '../support/scenario';

/** Reservations whose next charge finds the processor unreachable (the request never leaves). */
const unreachableOnce = new Set<string>();

// Six holds a minute per buyer (the last scenario spends them); the suite's one IP is not the limit.
const e2e = useE2eStack({ RESERVATION_RATE_LIMIT_PER_MINUTE: '6', RATE_LIMIT_IP_MULTIPLIER: '10000' }, (processor) => ({
  ...processor,
  async charge(request) {
    const reservationId = request.idempotencyKey.split(':')[0]!;
    if (unreachableOnce.delete(reservationId)) {
      throw ApplicationFailure.nonRetryable('connect ETIMEDOUT (processor unreachable)', 'ProcessorUnreachable');
    }
    return processor.charge(request);
  },
}));

const pool = () => e2e.stack.server.deps.pool;

async function freshEvent(): Promise<ApiEvent> {
  return createEventViaApi(e2e.api, e2e.admin, { rows: 1, seatsPerRow: 6, gaCapacity: 10, event: { max_hold_extensions: 1 } });
}

function hold(buyer: Buyer, body: Record<string, unknown>, key?: string) {
  return e2e.api.post('/api/v1/reservations', body, { token: buyer.token, headers: key ? { 'X-Idempotency-Key': key } : {} });
}

function postWebhook(body: Record<string, unknown>) {
  const raw = JSON.stringify(body);
  const signature = createHmac('sha256', e2e.stack.config.PAYMENT_WEBHOOK_SECRET).update(raw).digest('hex');
  return e2e.api.post('/api/v1/payments/webhook', undefined, { raw, headers: { 'x-signature': signature } });
}

async function eventually(check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function orderAndTickets(reservationId: string): Promise<{ order: string; tickets: string[] }> {
  const { rows } = await pool().query<{ order_status: string; ticket_status: string }>(
    `SELECT o.status AS order_status, t.status AS ticket_status FROM orders o JOIN tickets t ON t.order_id = o.id WHERE o.reservation_id = $1`,
    [reservationId],
  );
  return { order: rows[0]?.order_status ?? 'NONE', tickets: rows.map((r) => r.ticket_status) };
}

describe('payment webhooks delivered more than once', () => {
  test('when the provider delivers the same succeeded webhook twice, the buyer keeps the tickets and the money stays captured', async () => {
    const event = await freshEvent();
    const buyer = await registerBuyer(e2e.api);
    const held = await hold(buyer, { event_id: event.eventId, ga: [{ section_id: event.gaSectionId, quantity: 2 }] });
    const id = held.body.reservation_id as string;
    const notification = { reservation_id: id, payment_id: `pay_${id}`, status: 'succeeded', amount_cents: held.body.total_price_cents };

    expect((await postWebhook(notification)).status).toBe(202);
    await eventually(async () => (await e2e.api.get(`/api/v1/reservations/${id}`, { token: buyer.token })).body.status === 'CONFIRMED');
    expect((await postWebhook(notification)).status).toBe(202);
    await new Promise((resolve) => setTimeout(resolve, 1500));

    expect(await paymentsOf(pool(), id)).toEqual([{ status: 'SUCCEEDED', amount_cents: held.body.total_price_cents }]);
    expect(await orderAndTickets(id)).toEqual({ order: 'CONFIRMED', tickets: ['ACTIVE', 'ACTIVE'] });
    const { rows } = await pool().query('SELECT deliveries FROM payment_notifications WHERE provider_payment_id = $1', [`pay_${id}`]);
    expect(rows[0].deliveries).toBe(2);
  });

  test('when the same webhook arrives three times at once, before the workflow has finished, the reservation is sold once and nothing is refunded', async () => {
    const event = await freshEvent();
    const buyer = await registerBuyer(e2e.api);
    const held = await hold(buyer, { event_id: event.eventId, seat_ids: [event.seatIds[0]] });
    const id = held.body.reservation_id as string;
    const notification = { reservation_id: id, payment_id: `pay_${id}`, status: 'succeeded', amount_cents: held.body.total_price_cents };

    const answers = await Promise.all([postWebhook(notification), postWebhook(notification), postWebhook(notification)]);
    expect(answers.map((a) => a.status)).toEqual([202, 202, 202]);
    await eventually(async () => (await e2e.api.get(`/api/v1/reservations/${id}`, { token: buyer.token })).body.status === 'CONFIRMED');
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await paymentsOf(pool(), id)).toEqual([{ status: 'SUCCEEDED', amount_cents: held.body.total_price_cents }]);
    expect(await orderAndTickets(id)).toEqual({ order: 'CONFIRMED', tickets: ['ACTIVE'] });
  });
});

describe('confirm retried with the same X-Idempotency-Key', () => {
  test('a confirm that answered 503 (processor unreachable) succeeds when retried with the same key, and the buyer is charged once', async () => {
    const event = await freshEvent();
    const buyer = await registerBuyer(e2e.api);
    const held = await hold(buyer, { event_id: event.eventId, seat_ids: [event.seatIds[1]] });
    const id = held.body.reservation_id as string;
    unreachableOnce.add(id);
    const confirm = () => e2e.api.post(`/api/v1/reservations/${id}/confirm`, { payment_method_id: 'pm_card_visa' }, { token: buyer.token, headers: { 'X-Idempotency-Key': 'pay-click-1' } });

    const first = await confirm();
    expect(first.status).toBe(503);
    expect(first.body.error).toBe('UNAVAILABLE');
    expect((await e2e.api.get(`/api/v1/reservations/${id}`, { token: buyer.token })).body.status).toBe('HELD');

    const retried = await confirm();
    expect(retried.status).toBe(200);
    expect(retried.body.status).toBe('CONFIRMED');
    const again = await confirm();
    expect(again.status).toBe(200);
    expect(again.body.order_id).toBe(retried.body.order_id);
    expect(await simulatedLedger(e2e.stack.server.deps.redis).capturedCharges(id)).toHaveLength(1);
    expect((await paymentsOf(pool(), id)).map((p) => p.status)).toEqual(['VOIDED', 'SUCCEEDED']);
  });

  test('an extension refused by its limit leaves no event at all in the workflow history', async () => {
    const event = await freshEvent();
    const buyer = await registerBuyer(e2e.api);
    const held = await hold(buyer, { event_id: event.eventId, seat_ids: [event.seatIds[2]] });
    const id = held.body.reservation_id as string;
    expect((await e2e.api.post(`/api/v1/reservations/${id}/extend`, undefined, { token: buyer.token })).status).toBe(200);
    const handle = e2e.stack.server.deps.temporal.workflow.getHandle(reservationWorkflowId(id));
    const before = (await handle.fetchHistory()).events?.length;
    const refused = await e2e.api.post(`/api/v1/reservations/${id}/extend`, undefined, { token: buyer.token });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toBe('EXTENSION_LIMIT');
    expect((await handle.fetchHistory()).events?.length).toBe(before);
  });
});

describe('idempotent reservation requests', () => {
  test('the same key with a different body is refused with 422 IDEMPOTENCY_KEY_REUSED and holds nothing more', async () => {
    const event = await freshEvent();
    const buyer = await registerBuyer(e2e.api);
    const first = await hold(buyer, { event_id: event.eventId, ga: [{ section_id: event.gaSectionId, quantity: 1 }] }, 'basket-7');
    expect(first.status).toBe(201);
    const other = await hold(buyer, { event_id: event.eventId, ga: [{ section_id: event.gaSectionId, quantity: 3 }] }, 'basket-7');
    expect(other.status).toBe(422);
    expect(other.body.error).toBe('IDEMPOTENCY_KEY_REUSED');
    // The same body in another order of its lines is the same request.
    const same = await hold(buyer, { ga: [{ quantity: 1, section_id: event.gaSectionId }], event_id: event.eventId }, 'basket-7');
    expect(same.status).toBe(200);
    expect(same.body.reservation_id).toBe(first.body.reservation_id);
    const counter = await pool().query('SELECT held FROM ga_inventory WHERE event_id = $1', [event.eventId]);
    expect(counter.rows[0].held).toBe(1);
  });

  test('two requests with one key and different bodies at the same instant: one holds, the other gets 422', async () => {
    const event = await freshEvent();
    const buyer = await registerBuyer(e2e.api);
    const answers = await Promise.all([
      hold(buyer, { event_id: event.eventId, seat_ids: [event.seatIds[3]] }, 'double-click'),
      hold(buyer, { event_id: event.eventId, seat_ids: [event.seatIds[4]] }, 'double-click'),
    ]);
    expect(answers.map((a) => a.status).sort()).toEqual([201, 422]);
    const { rows } = await pool().query(`SELECT count(*)::int AS n FROM seats WHERE event_id = $1 AND status = 'HELD'`, [event.eventId]);
    expect(rows[0].n).toBe(1);
  });

  test('a POST retried after its workflow finished answers 200 with that reservation, even once the sale has closed and the buyer is rate limited', async () => {
    const event = await freshEvent();
    const buyer = await registerBuyer(e2e.api);
    const body = { event_id: event.eventId, seat_ids: [event.seatIds[5]] };
    const first = await hold(buyer, body, 'checkout-final');
    expect(first.status).toBe(201);
    await e2e.api.delete(`/api/v1/reservations/${first.body.reservation_id}`, { token: buyer.token });
    // The sale closes, and the buyer uses up this minute's reservation attempts (6): refusals count too.
    await pool().query(`UPDATE events SET on_sale_at = now() + interval '1 day' WHERE id = $1`, [event.eventId]);
    const gaLine = { event_id: event.eventId, ga: [{ section_id: event.gaSectionId, quantity: 1 }] };
    for (let i = 0; i < 5; i++) expect((await hold(buyer, gaLine, `after-close-${i}`)).status).toBe(409);
    expect((await hold(buyer, gaLine, 'one-more')).status).toBe(429);

    const retried = await hold(buyer, body, 'checkout-final');
    expect(retried.status).toBe(200);
    expect(retried.body).toMatchObject({ reservation_id: first.body.reservation_id, status: 'CANCELLED' });
  });
});

describe('an operator cancelling the workflow on the real Temporal server', () => {
  // The time-skipping test server does not fail a workflow task the way the dev server does when an
  // event arrives during it; this is where a payment made inside an unaccepted update would be lost.
  test('when an operator cancels while the card is being charged, the charge finishes, the buyer gets 200 and the sale stands, paid once', async () => {
    const event = await freshEvent();
    const buyer = await registerBuyer(e2e.api);
    const held = await hold(buyer, { event_id: event.eventId, ga: [{ section_id: event.gaSectionId, quantity: 1 }] });
    const id = held.body.reservation_id as string;
    const paying = e2e.api.post(`/api/v1/reservations/${id}/confirm`, { payment_method_id: 'pm_card_slow' }, { token: buyer.token });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const handle = e2e.stack.server.deps.temporal.workflow.getHandle(reservationWorkflowId(id));
    await handle.cancel();

    const paid = await paying;
    expect(paid.status).toBe(200);
    expect(paid.body.status).toBe('CONFIRMED');
    expect(await handle.result()).toMatchObject({ status: 'CONFIRMED' });
    expect(await orderAndTickets(id)).toEqual({ order: 'CONFIRMED', tickets: ['ACTIVE'] });
    expect(await simulatedLedger(e2e.stack.server.deps.redis).capturedCharges(id)).toHaveLength(1);
    expect((await paymentsOf(pool(), id)).map((p) => p.status)).toEqual(['SUCCEEDED']);
  });

  test('when a webhook lands while a cancel is ending the run, the server drops the cancel: the buyer gets 503, a retry answers CANCELLED, and the money goes back', async () => {
    const event = await freshEvent();
    const buyer = await registerBuyer(e2e.api);
    const held = await hold(buyer, { event_id: event.eventId, ga: [{ section_id: event.gaSectionId, quantity: 1 }] });
    const id = held.body.reservation_id as string;
    // The release waits on the section's counter, so the webhook's signal lands while the workflow
    // task that releases and ends the run is still running: completing it then fails.
    const locker = await pool().connect();
    let cancelling!: Promise<HttpResponse>;
    try {
      await locker.query('BEGIN');
      await locker.query('SELECT 1 FROM ga_inventory WHERE event_id = $1 AND section_id = $2 FOR UPDATE', [event.eventId, event.gaSectionId]);
      cancelling = e2e.api.delete(`/api/v1/reservations/${id}`, { token: buyer.token });
      await new Promise((resolve) => setTimeout(resolve, 700));
      expect((await postWebhook({ reservation_id: id, payment_id: `pay_${id}`, status: 'succeeded', amount_cents: held.body.total_price_cents })).status).toBe(202);
      await new Promise((resolve) => setTimeout(resolve, 300));
    } finally {
      await locker.query('ROLLBACK');
      locker.release();
    }

    const first = await cancelling;
    expect(first.status).toBe(503);
    expect(first.body.error).toBe('UNAVAILABLE');
    const retried = await e2e.api.delete(`/api/v1/reservations/${id}`, { token: buyer.token });
    expect(retried.status).toBe(200);
    expect(retried.body.status).toBe('CANCELLED');
    await eventually(async () => (await paymentsOf(pool(), id)).every((p) => p.status === 'REFUNDED'));
    expect((await paymentsOf(pool(), id)).map((p) => p.status)).toEqual(['REFUNDED']);
    expect(await orderAndTickets(id)).toEqual({ order: 'NONE', tickets: [] });
  });
});
