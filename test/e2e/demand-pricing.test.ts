import { randomUUID } from 'node:crypto';
import { WorkflowNotFoundError } from '@temporalio/client';
import { pricingWorkflowId } from '../../src/workflows/ids';
import { pricingQuery } from '../../src/workflows/pricing-definitions';
import { useE2eStack } from '../support/e2e-stack';
import { runPricingPeriod } from '../support/pricing-harness';
import { createEventViaApi, registerBuyer, type ApiEvent } from '../support/scenario';
import { openSse, type SseConnection } from '../support/sse';

const e2e = useE2eStack({ SSE_HEARTBEAT_SECONDS: '1' });
const open: SseConnection[] = [];
afterEach(() => {
  for (const c of open.splice(0)) c.close();
});

const PERIOD = 600;
const demand = (extra: Record<string, unknown> = {}) => ({ pricing: { mode: 'DEMAND', period_seconds: PERIOD, max_step_percent: 10 }, ...extra });

/** One period, by the steps the workflow runs (its timer is tested with time skipping; here periods are 10 minutes of real time). */
const runPeriod = (eventId: string, nowMs: number) => runPricingPeriod({ pool: e2e.stack.server.deps.pool, redis: e2e.stack.server.deps.redis }, eventId, nowMs);

async function holdAll(event: ApiEvent, seats: string[]) {
  const buyer = await registerBuyer(e2e.api);
  const held = await e2e.api.post('/api/v1/reservations', { event_id: event.eventId, seat_ids: seats }, { token: buyer.token });
  expect(held.status).toBe(201);
  return held.body;
}

describe('creating a DEMAND-priced event', () => {
  test("the event shows each section's price, bounds and next change, and its pricing workflow runs", async () => {
    const before = Date.now();
    const event = await createEventViaApi(e2e.api, e2e.admin, { rows: 1, seatsPerRow: 4, gaCapacity: 10, event: demand() });
    const shown = await e2e.api.get(`/api/v1/events/${event.eventId}`);
    expect(shown.status).toBe(200);
    expect(shown.body.pricing).toMatchObject({ mode: 'DEMAND', period_seconds: PERIOD, max_step_percent: 10 });
    const next = Date.parse(shown.body.pricing.next_change_at);
    expect(next).toBeGreaterThanOrEqual(before + PERIOD * 1000 - 5000);
    expect(next).toBeLessThanOrEqual(Date.now() + PERIOD * 1000 + 5000);
    expect(shown.body.sections).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'SEATED', price_cents: 35000, min_price_cents: 35000, max_price_cents: 70000, next_price_change_at: shown.body.pricing.next_change_at }),
        expect.objectContaining({ kind: 'GA', price_cents: 5000, min_price_cents: 5000, max_price_cents: 10000, next_price_change_at: shown.body.pricing.next_change_at }),
      ]),
    );
    const map = await e2e.api.get(`/api/v1/events/${event.eventId}/seats`);
    expect(map.body.sections.map((s: { next_price_change_at: string }) => s.next_price_change_at)).toEqual([shown.body.pricing.next_change_at, shown.body.pricing.next_change_at]);

    const handle = e2e.stack.server.deps.temporal.workflow.getHandle(pricingWorkflowId(event.eventId));
    const description = await handle.describe();
    expect(description.status.name).toBe('RUNNING');
    expect(description.type).toBe('pricingWorkflow');
    // Its first task completed on this (unversioned) worker, and it sleeps on one durable timer until the first period ends.
    expect(await handle.query(pricingQuery)).toMatchObject({ phase: 'WAITING_FOR_PERIOD', periods: 0, nextChangeAtMs: next });
    const { events } = await handle.fetchHistory();
    const timers = (events ?? []).filter((e) => e.timerStartedEventAttributes);
    expect(timers).toHaveLength(1);
    const seconds = Number(timers[0]!.timerStartedEventAttributes!.startToFireTimeout!.seconds);
    expect(seconds).toBeGreaterThan(PERIOD - 30);
    expect(seconds).toBeLessThanOrEqual(PERIOD);
  });

  test('a FIXED event (the default) has no bounds, no next change and no pricing workflow', async () => {
    const event = await createEventViaApi(e2e.api, e2e.admin, { gaCapacity: 10 });
    const shown = await e2e.api.get(`/api/v1/events/${event.eventId}`);
    expect(shown.body.pricing).toEqual({ mode: 'FIXED', period_seconds: null, max_step_percent: null, next_change_at: null });
    expect(shown.body.sections[0]).toMatchObject({ price_cents: 5000, min_price_cents: null, max_price_cents: null, next_price_change_at: null });
    const described = e2e.stack.server.deps.temporal.workflow.getHandle(pricingWorkflowId(event.eventId)).describe();
    await expect(described).rejects.toBeInstanceOf(WorkflowNotFoundError);
  });

  test.each([
    ['DEMAND without a period', { pricing: { mode: 'DEMAND', max_step_percent: 5 } }, 'pricing.period_seconds'],
    ['DEMAND without a step', { pricing: { mode: 'DEMAND', period_seconds: 60 } }, 'pricing.max_step_percent'],
    ['a period under a minute', { pricing: { mode: 'DEMAND', period_seconds: 59, max_step_percent: 5 } }, 'pricing.period_seconds'],
    ['a step over 20%', { pricing: { mode: 'DEMAND', period_seconds: 60, max_step_percent: 21 } }, 'pricing.max_step_percent'],
    ['an unknown mode', { pricing: { mode: 'AUCTION' } }, 'pricing.mode'],
    ['a minimum above the price', { pricing: { mode: 'DEMAND', period_seconds: 60, max_step_percent: 5 }, min: 6000 }, 'prices.0.min_price_cents'],
    ['a maximum below the price', { pricing: { mode: 'DEMAND', period_seconds: 60, max_step_percent: 5 }, max: 4000 }, 'prices.0.max_price_cents'],
    ['bounds on a FIXED event', { min: 1000 }, 'prices.0.min_price_cents'],
  ])('%s is refused with VALIDATION_ERROR naming the field, and nothing is created', async (_name, shape, field) => {
    const venue = await e2e.api.post('/api/v1/venues', { name: `Venue ${randomUUID()}`, city: 'Porto', sections: [{ name: 'Lawn', kind: 'GA', capacity: 10 }] }, { token: e2e.admin });
    const name = `Refused ${randomUUID()}`;
    const { min, max, ...body } = shape as { min?: number; max?: number };
    const res = await e2e.api.post(
      '/api/v1/events',
      {
        name,
        venue_id: venue.body.id,
        starts_at: new Date(Date.now() + 86_400_000).toISOString(),
        prices: [{ section_id: venue.body.sections[0].id, price_cents: 5000, ...(min ? { min_price_cents: min } : {}), ...(max ? { max_price_cents: max } : {}) }],
        ...body,
      },
      { token: e2e.admin },
    );
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('VALIDATION_ERROR');
    expect(res.body.details.map((d: { field: string }) => d.field)).toContain(field);
    const listed = await e2e.api.get(`/api/v1/events?q=${encodeURIComponent(name)}`);
    expect(listed.body.events).toEqual([]);
  });
});

describe('price changes: the admin history, the live stream, and the price a hold pays', () => {
  test('after a period the admin sees the change with its figures, the live stream announces it, and a new hold pays the new price while an older one keeps its own', async () => {
    const event = await createEventViaApi(e2e.api, e2e.admin, { rows: 1, seatsPerRow: 4, gaCapacity: 10, event: demand() });
    const stream = await openSse(`${e2e.stack.url}/api/v1/events/${event.eventId}/stream`);
    open.push(stream);
    await stream.waitFor((e) => e.event === 'ready', 10_000, 'ready');
    // Three of four seats held at the opening: far ahead of the pace.
    const early = await holdAll(event, event.seatIds.slice(0, 3));
    expect(early.total_price_cents).toBe(3 * 35000);

    const empty = await e2e.api.get(`/api/v1/admin/events/${event.eventId}/prices`, { token: e2e.admin });
    expect(empty.status).toBe(200);
    expect(empty.body).toMatchObject({ event_id: event.eventId, pricing: { mode: 'DEMAND' }, changes: [], next_cursor: null });

    const periodAt = Date.parse(empty.body.pricing.next_change_at);
    expect(await runPeriod(event.eventId, periodAt)).toEqual({ applied: true, changed: 1 });

    const announced = await stream.waitFor((e) => e.event === 'price', 10_000, 'the price announcement');
    expect(announced.id).toMatch(/^\d+-\d+$/);
    expect(announced.data).toEqual({
      event_id: event.eventId,
      sections: expect.arrayContaining([
        { section_id: event.seatedSectionId, price_cents: 38500, next_price_change_at: new Date(periodAt + PERIOD * 1000).toISOString() },
        { section_id: event.gaSectionId, price_cents: 5000, next_price_change_at: new Date(periodAt + PERIOD * 1000).toISOString() },
      ]),
    });

    const history = await e2e.api.get(`/api/v1/admin/events/${event.eventId}/prices`, { token: e2e.admin });
    expect(history.body.changes).toHaveLength(1);
    expect(history.body.changes[0]).toMatchObject({
      section_id: event.seatedSectionId,
      section_name: 'Floor',
      period_at: new Date(periodAt).toISOString(),
      old_price_cents: 35000,
      new_price_cents: 38500,
      step_percent: 10,
      figures: { capacity: 4, sold: 0, held: 3, queue_waiting: 0, queue_share: 0, demand_share: 0.75, min_price_cents: 35000, max_price_cents: 70000, max_step_percent: 10 },
    });
    expect(Date.parse(history.body.changes[0].changed_at)).toBeGreaterThan(0);
    expect(history.body.pricing.next_change_at).toBe(new Date(periodAt + PERIOD * 1000).toISOString());

    // The map and the event show the new price at once; the last seat costs it; the early hold does not change.
    const map = await e2e.api.get(`/api/v1/events/${event.eventId}/seats`);
    expect(map.body.sections.find((s: { kind: string }) => s.kind === 'SEATED').price_cents).toBe(38500);
    const late = await holdAll(event, [event.seatIds[3]!]);
    expect(late.total_price_cents).toBe(38500);
    const buyerView = await e2e.api.get(`/api/v1/events/${event.eventId}`);
    expect(buyerView.body.sections.find((s: { kind: string }) => s.kind === 'SEATED').price_cents).toBe(38500);
    const { rows } = await e2e.stack.server.deps.pool.query<{ total_price_cents: number }>('SELECT total_price_cents FROM reservations WHERE id = $1', [early.reservation_id]);
    expect(rows[0]!.total_price_cents).toBe(3 * 35000);
  });

  test('the price history is for admins only, and 404 for an unknown event', async () => {
    const event = await createEventViaApi(e2e.api, e2e.admin, { gaCapacity: 10, event: demand() });
    const fan = await registerBuyer(e2e.api);
    expect((await e2e.api.get(`/api/v1/admin/events/${event.eventId}/prices`, { token: fan.token })).status).toBe(403);
    expect((await e2e.api.get(`/api/v1/admin/events/${event.eventId}/prices`)).status).toBe(401);
    const missing = await e2e.api.get(`/api/v1/admin/events/${randomUUID()}/prices`, { token: e2e.admin });
    expect(missing.status).toBe(404);
    expect(missing.body.error).toBe('EVENT_NOT_FOUND');
  });

  test('the history comes a page at a time, oldest first', async () => {
    const event = await createEventViaApi(e2e.api, e2e.admin, { rows: 1, seatsPerRow: 2, event: demand() });
    await holdAll(event, event.seatIds);
    const first = await e2e.api.get(`/api/v1/admin/events/${event.eventId}/prices`, { token: e2e.admin });
    let periodAt = Date.parse(first.body.pricing.next_change_at);
    for (let period = 0; period < 3; period++, periodAt += PERIOD * 1000) {
      expect(await runPeriod(event.eventId, periodAt)).toEqual({ applied: true, changed: 1 });
    }
    const page1 = await e2e.api.get(`/api/v1/admin/events/${event.eventId}/prices?limit=2`, { token: e2e.admin });
    expect(page1.body.changes.map((c: { new_price_cents: number }) => c.new_price_cents)).toEqual([38500, 42350]);
    const page2 = await e2e.api.get(`/api/v1/admin/events/${event.eventId}/prices?limit=2&cursor=${page1.body.next_cursor}`, { token: e2e.admin });
    expect(page2.body.changes.map((c: { new_price_cents: number }) => c.new_price_cents)).toEqual([46585]);
    expect(page2.body.next_cursor).toBeNull();
  });
});
