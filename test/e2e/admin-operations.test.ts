import { randomUUID } from 'node:crypto';
import { ensureReconciliationSchedule } from '../../src/operations/reconciliation-schedule';
import { gaCounter, seatStatuses } from '../support/db-queries';
import { useE2eStack } from '../support/e2e-stack';
import { createEventViaApi, registerBuyer, type ApiEvent, type Buyer } from '../support/scenario';

const e2e = useE2eStack({ CANCEL_EVENT_STRAGGLER_SECONDS: '1' });
const pool = () => e2e.stack.server.deps.pool;

async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > until) throw new Error(`not done in time: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function hold(buyer: Buyer, event: ApiEvent, body: Record<string, unknown>) {
  const res = await e2e.api.post('/api/v1/reservations', { event_id: event.eventId, ...body }, { token: buyer.token });
  expect(res.status).toBe(201);
  return res.body;
}

async function buy(buyer: Buyer, event: ApiEvent, body: Record<string, unknown>) {
  const held = await hold(buyer, event, body);
  const paid = await e2e.api.post(`/api/v1/reservations/${held.reservation_id}/confirm`, { payment_method_id: 'pm_card_visa' }, { token: buyer.token });
  expect(paid.status).toBe(200);
  return paid.body;
}

async function runReconciliation(eventId?: string) {
  const started = await e2e.api.post('/api/v1/admin/reconciliation', eventId ? { event_id: eventId } : {}, { token: e2e.admin });
  expect(started.status).toBe(202);
  await e2e.stack.server.deps.temporal.workflow.getHandle(started.body.workflow_id).result();
  const report = await e2e.api.get('/api/v1/admin/reconciliation', { token: e2e.admin });
  expect(report.status).toBe(200);
  expect(report.body.workflow_id).toBe(started.body.workflow_id);
  return report.body;
}

describe('cancelling an event', () => {
  test('an admin cancels an event: holds are refused at once, every hold is released and every order refunded, and asking again changes nothing', async () => {
    const event = await createEventViaApi(e2e.api, e2e.admin, { rows: 1, seatsPerRow: 8, gaCapacity: 20 });
    const buyers = await Promise.all(Array.from({ length: 6 }, () => registerBuyer(e2e.api)));
    const orders = await Promise.all(buyers.slice(0, 4).map((b, i) => buy(b, event, { seat_ids: [event.seatIds[i]], ga: [{ section_id: event.gaSectionId, quantity: 1 }] })));
    await Promise.all(buyers.slice(4).map((b, i) => hold(b, event, { seat_ids: [event.seatIds[4 + i]], ga: [{ section_id: event.gaSectionId, quantity: 2 }] })));

    const started = await e2e.api.post(`/api/v1/admin/events/${event.eventId}/cancel`, { reason: 'artist unwell' }, { token: e2e.admin });
    expect(started.status).toBe(202);
    expect(started.body).toMatchObject({ eventId: event.eventId, reason: 'artist unwell' });
    // New holds are refused as soon as the event is marked.
    await eventually(() => e2e.api.post('/api/v1/reservations', { event_id: event.eventId, seat_ids: [event.seatIds[7]] }, { token: buyers[0]!.token }), (r) => r.status === 409);
    expect((await e2e.api.post('/api/v1/reservations', { event_id: event.eventId, seat_ids: [event.seatIds[7]] }, { token: buyers[0]!.token })).body.error).toBe('EVENT_NOT_ON_SALE');

    const done = await eventually(
      async () => (await e2e.api.get(`/api/v1/admin/events/${event.eventId}/cancellation`, { token: e2e.admin })).body,
      (p) => p.phase === 'DONE',
    );
    expect(done).toMatchObject({ holdsReleased: 2, holdsSoldMeanwhile: 0, ordersRefunded: 4, ordersAlreadyRefunding: 0, finishedAt: expect.any(String) });
    expect(await seatStatuses(pool(), event.seatIds)).toEqual(Array(8).fill('AVAILABLE'));
    expect(await gaCounter(pool(), event.eventId, event.gaSectionId!)).toMatchObject({ held: 0, sold: 0 });
    const { rows } = await pool().query(`SELECT status FROM orders WHERE id = ANY($1::uuid[])`, [orders.map((o) => o.order_id)]);
    expect(rows.map((r) => r.status)).toEqual(['REFUNDED', 'REFUNDED', 'REFUNDED', 'REFUNDED']);

    const again = await e2e.api.post(`/api/v1/admin/events/${event.eventId}/cancel`, {}, { token: e2e.admin });
    expect(again.status).toBe(202);
    expect(again.body).toMatchObject({ phase: 'DONE', ordersRefunded: 4, holdsReleased: 2 });
    const event2 = await e2e.api.get(`/api/v1/events/${event.eventId}`);
    expect(event2.body.status).toBe('CANCELLED');
  });

  test('cancelling an unknown event is 404; a plain user is refused (403); an event never cancelled has no cancellation (404)', async () => {
    const event = await createEventViaApi(e2e.api, e2e.admin, { gaCapacity: 5 });
    const buyer = await registerBuyer(e2e.api);
    expect((await e2e.api.post(`/api/v1/admin/events/${randomUUID()}/cancel`, {}, { token: e2e.admin })).status).toBe(404);
    expect((await e2e.api.post(`/api/v1/admin/events/${event.eventId}/cancel`, {}, { token: buyer.token })).status).toBe(403);
    expect((await e2e.api.get(`/api/v1/admin/events/${event.eventId}/cancellation`, { token: e2e.admin })).status).toBe(404);
  });
});

describe('reconciliation', () => {
  test('a run over a consistent event reports OK; after a seeded inconsistency it names the event, the counter and why, and repairs nothing', async () => {
    const event = await createEventViaApi(e2e.api, e2e.admin, { rows: 1, seatsPerRow: 4, gaCapacity: 10 });
    const buyer = await registerBuyer(e2e.api);
    await buy(buyer, event, { seat_ids: [event.seatIds[0]], ga: [{ section_id: event.gaSectionId, quantity: 2 }] });
    await hold(buyer, event, { seat_ids: [event.seatIds[1]] });

    const clean = await runReconciliation(event.eventId);
    expect(clean).toMatchObject({ status: 'OK', findings_count: 0, events_checked: 1, trigger: 'MANUAL', event_id: event.eventId });

    // Someone "fixed" a counter by hand: one GA ticket more sold than there are tickets.
    await pool().query('UPDATE ga_inventory SET sold = sold + 1 WHERE event_id = $1', [event.eventId]);
    const dirty = await runReconciliation(event.eventId);
    expect(dirty.status).toBe('FINDINGS');
    expect(dirty.counts).toMatchObject({ GA_COUNTER: 1, SOLD_GA_TICKETS: 1 });
    expect(dirty.findings).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ check: 'GA_COUNTER', event_id: event.eventId, subject: event.gaSectionId, detail: expect.stringContaining('sold 3') }),
        expect.objectContaining({ check: 'SOLD_GA_TICKETS', event_id: event.eventId, subject: event.gaSectionId }),
      ]),
    );
    expect(await gaCounter(pool(), event.eventId, event.gaSectionId!)).toMatchObject({ sold: 3 });
  });

  test('a hold whose workflow is gone, and a captured payment with no order, are found', async () => {
    const event = await createEventViaApi(e2e.api, e2e.admin, { rows: 1, seatsPerRow: 2 });
    const buyer = await registerBuyer(e2e.api);
    const held = await hold(buyer, event, { seat_ids: [event.seatIds[0]] });
    // The workflow is terminated behind the platform's back, and the hold looks a minute old.
    await e2e.stack.server.deps.temporal.workflow.getHandle(`reservation-${held.reservation_id}`).terminate('test');
    await pool().query(`UPDATE reservations SET created_at = now() - interval '2 minutes' WHERE id = $1`, [held.reservation_id]);
    await pool().query(
      `INSERT INTO payments (reservation_id, idempotency_key, provider_payment_id, amount_cents, status, source, updated_at)
       VALUES ($1, $2, $2, 100, 'SUCCEEDED', 'WEBHOOK', now() - interval '1 hour')`,
      [held.reservation_id, `lost-${randomUUID()}`],
    );
    const report = await runReconciliation(event.eventId);
    expect(report.counts).toMatchObject({ HOLD_WITHOUT_WORKFLOW: 1, CAPTURED_WITHOUT_ORDER: 1 });
    expect(report.findings.find((f: { check: string }) => f.check === 'HOLD_WITHOUT_WORKFLOW')).toMatchObject({ subject: held.reservation_id, detail: expect.stringContaining('TERMINATED') });
  });

  test('the reconciliation Schedule is created once at start-up and left alone when it already matches', async () => {
    const client = e2e.stack.server.deps.temporal;
    const scheduleId = `reconciliation-test-${randomUUID()}`;
    const options = { taskQueue: e2e.stack.config.TEMPORAL_TASK_QUEUE, everyMinutes: 15, scheduleId };
    try {
      expect(await ensureReconciliationSchedule(client, options)).toBe('created');
      expect(await ensureReconciliationSchedule(client, options)).toBe('unchanged');
      expect(await ensureReconciliationSchedule(client, { ...options, everyMinutes: 30 })).toBe('updated');
      const described = await client.schedule.getHandle(scheduleId).describe();
      expect(described.spec.intervals?.[0]?.every).toBe(30 * 60_000);
      expect(described.action).toMatchObject({ workflowType: 'reconciliationWorkflow' });
    } finally {
      await client.schedule.getHandle(scheduleId).delete().catch(() => undefined);
    }
  });
});

describe('the audit trail', () => {
  test("a refunded order's trail shows every change, with cause, actor and time, by reservation, by order and by seat", async () => {
    const event = await createEventViaApi(e2e.api, e2e.admin, { rows: 1, seatsPerRow: 2 });
    const buyer = await registerBuyer(e2e.api);
    const paid = await buy(buyer, event, { seat_ids: [event.seatIds[0]] });
    await e2e.api.post(`/api/v1/orders/${paid.order_id}/refund`, undefined, { token: e2e.admin });

    const byReservation = await e2e.api.get(`/api/v1/admin/audit?reservation_id=${paid.reservation_id}`, { token: e2e.admin });
    expect(byReservation.status).toBe(200);
    const trail = byReservation.body.entries.map((e: { source: string; action: string }) => `${e.source}:${e.action}`);
    for (const step of ['inventory:HOLD', 'payment:PENDING', 'payment:SUCCEEDED', 'inventory:SELL', 'ticket:ISSUED', 'inventory:REFUND', 'ticket:CANCELLED', 'payment:REFUNDING', 'payment:REFUNDED']) {
      expect(trail).toContain(step);
    }
    expect(trail.indexOf('inventory:HOLD')).toBeLessThan(trail.indexOf('inventory:SELL'));
    expect(trail.indexOf('inventory:SELL')).toBeLessThan(trail.indexOf('inventory:REFUND'));
    const refund = byReservation.body.entries.find((e: { action: string }) => e.action === 'REFUND');
    expect(refund).toMatchObject({ actor: expect.stringMatching(/^user:/), cause: expect.stringContaining('refunded by an admin'), seat_id: event.seatIds[0], at: expect.any(String) });

    const byOrder = await e2e.api.get(`/api/v1/admin/audit?order_id=${paid.order_id}`, { token: e2e.admin });
    expect(byOrder.body.entries).toEqual(byReservation.body.entries);
    const bySeat = await e2e.api.get(`/api/v1/admin/audit?seat_id=${event.seatIds[0]}`, { token: e2e.admin });
    expect(bySeat.body.entries.map((e: { action: string }) => e.action)).toEqual(expect.arrayContaining(['HOLD', 'SELL', 'ISSUED', 'REFUND', 'CANCELLED']));
    expect((await e2e.api.get('/api/v1/admin/audit', { token: e2e.admin })).status).toBe(400);
    expect((await e2e.api.get(`/api/v1/admin/audit?seat_id=${event.seatIds[0]}`, { token: buyer.token })).status).toBe(403);
  });
});
