import { randomUUID } from 'node:crypto';
import { signQueueToken } from '../../src/waiting-room/queue-token';
import { onSaleWorkflowId } from '../../src/workflows/ids';
import { onSaleQuery } from '../../src/workflows/on-sale-definitions';
import { useE2eStack } from '../support/e2e-stack';
import { createEventViaApi, registerBuyer, type Buyer } from '../support/scenario';

const e2e = useE2eStack({ WAITING_ROOM_TICK_MS: '200', WAITING_ROOM_MAX_ACTIVE: '2', WAITING_ROOM_ADMISSION_WINDOW_SECONDS: '120' });

async function eventually<T>(check: () => Promise<T | null | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const join = (buyer: Buyer, eventId: string) => e2e.api.post(`/api/v1/queue/${eventId}/join`, undefined, { token: buyer.token });
const status = (buyer: Buyer, eventId: string) => e2e.api.get(`/api/v1/queue/${eventId}/status`, { token: buyer.token });

async function admittedToken(buyer: Buyer, eventId: string): Promise<string> {
  return eventually(async () => {
    const res = await status(buyer, eventId);
    return res.body.state === 'ADMITTED' ? (res.body.queue_token as string) : null;
  });
}

function hold(buyer: Buyer, eventId: string, sectionId: string, queueToken?: string) {
  return e2e.api.post('/api/v1/reservations', { event_id: eventId, ga: [{ section_id: sectionId, quantity: 1 }] }, { token: buyer.token, headers: queueToken ? { 'X-Queue-Token': queueToken } : {} });
}

describe('a high-demand on-sale over HTTP', () => {
  test('fans join and see their place and an estimated wait; the first are admitted in join order, and an admitted fan holds with the token', async () => {
    const event = await createEventViaApi(e2e.api, e2e.admin, { gaCapacity: 100, event: { high_demand: true } });
    const fans = [await registerBuyer(e2e.api), await registerBuyer(e2e.api), await registerBuyer(e2e.api)];
    // Without a token nothing can be bought.
    const refused = await hold(fans[0]!, event.eventId, event.gaSectionId!);
    expect(refused.status).toBe(403);
    expect(refused.body.error).toBe('QUEUE_TOKEN_REQUIRED');

    const joined = [];
    for (const fan of fans) joined.push(await join(fan, event.eventId));
    expect(joined[0]!.status).toBe(200);
    expect(joined[0]!.body).toMatchObject({ state: expect.stringMatching(/WAITING|ADMITTED/) });
    // The ceiling is two: whatever the room did meanwhile, the third fan cannot be in yet, and waits
    // behind at most the two who joined first, with an estimate of at least a second. The last to join
    // is last in line: its place is the count of fans waiting, itself included (places count from 1).
    const third = joined[2]!.body;
    expect(third).toMatchObject({ state: 'WAITING', position: expect.any(Number), total: expect.any(Number), estimated_wait_seconds: expect.any(Number) });
    expect(third.position).toBeGreaterThanOrEqual(1);
    expect(third.position).toBeLessThanOrEqual(3);
    expect(third.position).toBe(third.total);
    expect(Number.isInteger(third.estimated_wait_seconds)).toBe(true);
    expect(third.estimated_wait_seconds).toBeGreaterThanOrEqual(1);
    expect(third.queue_number).toBe(joined[0]!.body.queue_number + 2);
    // Joining again keeps the place.
    const again = await join(fans[2]!, event.eventId);
    expect(again.body).toMatchObject({ state: 'WAITING', queue_number: third.queue_number });
    expect(again.body.position).toBeLessThanOrEqual(third.position);
    expect(again.body.position).toBe(again.body.total);

    const token = await admittedToken(fans[0]!, event.eventId);
    const first = await status(fans[0]!, event.eventId);
    expect(first.body).toMatchObject({ state: 'ADMITTED', admission_number: 1, queue_token: token });
    expect(Date.parse(first.body.expires_at)).toBeGreaterThan(Date.now());
    const second = await eventually(async () => ((await status(fans[1]!, event.eventId)).body.state === 'ADMITTED' ? (await status(fans[1]!, event.eventId)).body : null));
    expect(second.admission_number).toBe(2);
    // The ceiling is two unfinished fans: the third waits while the first two have not finished.
    expect((await status(fans[2]!, event.eventId)).body).toMatchObject({ state: 'WAITING', position: 1 });

    const held = await hold(fans[0]!, event.eventId, event.gaSectionId!, token);
    expect(held.status).toBe(201);
    const paid = await e2e.api.post(`/api/v1/reservations/${held.body.reservation_id}/confirm`, { payment_method_id: 'pm_card_visa' }, { token: fans[0]!.token });
    expect(paid.body.status).toBe('CONFIRMED');
    // The first fan finished by buying: the third is let in.
    await admittedToken(fans[2]!, event.eventId);
    const view = await e2e.stack.server.deps.temporal.workflow.getHandle(onSaleWorkflowId(event.eventId)).query(onSaleQuery);
    expect(view).toMatchObject({ admittedTotal: 3, phase: 'ADMITTING' });
    expect(view.finishedTotal).toBeGreaterThanOrEqual(1);
  });

  test('forged, expired, other-user and other-event tokens are refused with 403 QUEUE_TOKEN_REQUIRED and hold nothing', async () => {
    const event = await createEventViaApi(e2e.api, e2e.admin, { gaCapacity: 10, event: { high_demand: true } });
    const other = await createEventViaApi(e2e.api, e2e.admin, { gaCapacity: 10, event: { high_demand: true } });
    const fan = await registerBuyer(e2e.api);
    const stranger = await registerBuyer(e2e.api);
    await join(fan, event.eventId);
    const token = await admittedToken(fan, event.eventId);
    const secret = e2e.stack.config.QUEUE_TOKEN_SECRET;
    const parts = token.split('.');
    const claims = { eventId: event.eventId, userId: fan.id, expiresAtMs: Number(parts[3]), admissionNumber: Number(parts[4]), tokenId: parts[5]! };
    const cases: Array<[string, Buyer, string, string]> = [
      ['forged (signed with another secret)', fan, event.eventId, signQueueToken('not-the-server-secret', claims)],
      ['tampered (a later expiry under the old signature)', fan, event.eventId, [...parts.slice(0, 3), String(claims.expiresAtMs + 3_600_000), ...parts.slice(4)].join('.')],
      ['expired', fan, event.eventId, signQueueToken(secret, { ...claims, expiresAtMs: Date.now() - 1000 })],
      ["another user's", stranger, event.eventId, token],
      ["another event's", fan, other.eventId, token],
      ['garbage', fan, event.eventId, 'not-a-token'],
    ];
    for (const [what, buyer, eventId, presented] of cases) {
      const sectionId = eventId === event.eventId ? event.gaSectionId! : other.gaSectionId!;
      const res = await hold(buyer, eventId, sectionId, presented);
      expect([what, res.status, res.body.error]).toEqual([what, 403, 'QUEUE_TOKEN_REQUIRED']);
    }
    const { rows } = await e2e.stack.server.deps.pool.query('SELECT count(*)::int AS n FROM reservations WHERE event_id = ANY($1::uuid[])', [[event.eventId, other.eventId]]);
    expect(rows[0].n).toBe(0);
    // The real token still works.
    expect((await hold(fan, event.eventId, event.gaSectionId!, token)).status).toBe(201);
  });

  test('an event without a waiting room answers 409 NO_WAITING_ROOM; an unknown one 404', async () => {
    const event = await createEventViaApi(e2e.api, e2e.admin, { gaCapacity: 10 });
    const fan = await registerBuyer(e2e.api);
    const res = await join(fan, event.eventId);
    expect([res.status, res.body.error]).toEqual([409, 'NO_WAITING_ROOM']);
    const unknown = await status(fan, '00000000-0000-4000-8000-000000000000');
    expect([unknown.status, unknown.body.error]).toEqual([404, 'EVENT_NOT_FOUND']);
    expect((await status(fan, event.eventId)).status).toBe(409);
  });

  test('when the last ticket is sold, fans still waiting read SOLD_OUT and new joins are told so; the room stays open for tickets that come back, and closes with the event', async () => {
    const event = await createEventViaApi(e2e.api, e2e.admin, { gaCapacity: 1, event: { high_demand: true } });
    const buyer = await registerBuyer(e2e.api);
    const fans = [await registerBuyer(e2e.api), await registerBuyer(e2e.api)];
    await join(buyer, event.eventId);
    for (const fan of fans) await join(fan, event.eventId);
    const token = await admittedToken(buyer, event.eventId);
    const held = await hold(buyer, event.eventId, event.gaSectionId!, token);
    await e2e.api.post(`/api/v1/reservations/${held.body.reservation_id}/confirm`, { payment_method_id: 'pm_card_visa' }, { token: buyer.token });
    for (const fan of fans) {
      await eventually(async () => (await status(fan, event.eventId)).body.state === 'SOLD_OUT');
    }
    const late = await registerBuyer(e2e.api);
    expect((await join(late, event.eventId)).body).toEqual({ state: 'SOLD_OUT' });
    const room = e2e.stack.server.deps.temporal.workflow.getHandle(onSaleWorkflowId(event.eventId));
    expect((await room.describe()).status.name).toBe('RUNNING');
    // The event is cancelled: the room closes, its run ends, and everyone in line is told.
    expect((await e2e.api.post(`/api/v1/admin/events/${event.eventId}/cancel`, { reason: 'test' }, { token: e2e.admin })).status).toBe(202);
    expect(await room.result()).toMatchObject({ phase: 'CLOSED' });
    for (const fan of [...fans, late]) expect((await status(fan, event.eventId)).body.state).toBe('CLOSED');
  });

  test('the waiting list of a high-demand event is open only to fans the room let in: without a queue token 403 QUEUE_TOKEN_REQUIRED, with one the fan is in line', async () => {
    const event = await createEventViaApi(e2e.api, e2e.admin, { gaCapacity: 1, event: { high_demand: true } });
    const buyer = await registerBuyer(e2e.api);
    const fan = await registerBuyer(e2e.api);
    await join(buyer, event.eventId);
    await join(fan, event.eventId);
    // The buyer holds the only ticket: the section has none left.
    expect((await hold(buyer, event.eventId, event.gaSectionId!, await admittedToken(buyer, event.eventId))).status).toBe(201);
    const body = { section_id: event.gaSectionId, quantity: 1 };
    const skipped = await e2e.api.post(`/api/v1/events/${event.eventId}/waitlist`, body, { token: fan.token });
    expect([skipped.status, skipped.body.error]).toEqual([403, 'QUEUE_TOKEN_REQUIRED']);
    const forged = await e2e.api.post(`/api/v1/events/${event.eventId}/waitlist`, body, { token: fan.token, headers: { 'X-Queue-Token': 'qt2.forged' } });
    expect([forged.status, forged.body.error]).toEqual([403, 'QUEUE_TOKEN_REQUIRED']);
    const token = await admittedToken(fan, event.eventId);
    const inLine = await e2e.api.post(`/api/v1/events/${event.eventId}/waitlist`, body, { token: fan.token, headers: { 'X-Queue-Token': token } });
    expect([inLine.status, inLine.body.status]).toEqual([201, 'WAITING']);
  });

  test('the on-sale survives a worker restart on the real stack: admissions resume in join order after the new worker starts', async () => {
    const event = await createEventViaApi(e2e.api, e2e.admin, { gaCapacity: 100, event: { high_demand: true } });
    const fans: Buyer[] = [];
    for (let i = 0; i < 4; i++) fans.push(await registerBuyer(e2e.api));
    for (const fan of fans) await join(fan, event.eventId);
    // Two admitted (the ceiling); they buy nothing yet.
    await admittedToken(fans[1]!, event.eventId);
    await e2e.stack.restartWorker(1500);
    // The first two buy with the new worker running: the other two are admitted, in order.
    for (const fan of fans.slice(0, 2)) {
      const held = await hold(fan, event.eventId, event.gaSectionId!, await admittedToken(fan, event.eventId));
      expect(held.status).toBe(201);
      expect((await e2e.api.post(`/api/v1/reservations/${held.body.reservation_id}/confirm`, { payment_method_id: 'pm_card_visa' }, { token: fan.token })).status).toBe(200);
    }
    for (const fan of fans.slice(2)) await admittedToken(fan, event.eventId);
    const numbers = [];
    for (const fan of fans) numbers.push((await status(fan, event.eventId)).body.admission_number);
    expect(numbers).toEqual([1, 2, 3, 4]);
  });
});

describe('a queue token admits its holder to one purchase (contract, Fairness)', () => {
  /**
   * A fan and the token an admission gives them, signed as the room signs it (how the room admits is
   * the scenarios above; here what matters is what one token lets its holder do).
   */
  async function admittedFan() {
    const event = await createEventViaApi(e2e.api, e2e.admin, { gaCapacity: 20, event: { high_demand: true } });
    const fan = await registerBuyer(e2e.api);
    const token = signQueueToken(e2e.stack.config.QUEUE_TOKEN_SECRET, {
      eventId: event.eventId,
      userId: fan.id,
      expiresAtMs: Date.now() + 120_000,
      admissionNumber: 1,
      tokenId: randomUUID(),
    });
    return { event, fan, token };
  }

  function holdFor(buyer: Buyer, eventId: string, sectionId: string, queueToken: string, extra: Record<string, unknown> = {}) {
    return e2e.api.post('/api/v1/reservations', { event_id: eventId, ga: [{ section_id: sectionId, quantity: 1 }], ...extra }, { token: buyer.token, headers: { 'X-Queue-Token': queueToken } });
  }

  test('while its hold is open a second hold with the same token is 409 HOLD_ALREADY_OPEN; once that hold is cancelled the fan may hold again', async () => {
    const { event, fan, token } = await admittedFan();
    const first = await holdFor(fan, event.eventId, event.gaSectionId!, token);
    expect(first.status).toBe(201);
    const second = await holdFor(fan, event.eventId, event.gaSectionId!, token);
    expect([second.status, second.body.error]).toEqual([409, 'HOLD_ALREADY_OPEN']);

    const cancelled = await e2e.api.delete(`/api/v1/reservations/${first.body.reservation_id}`, { token: fan.token });
    expect(cancelled.body.status).toBe('CANCELLED');
    const again = await holdFor(fan, event.eventId, event.gaSectionId!, token);
    expect(again.status).toBe(201);
  });

  test('after a purchase made with it is confirmed, the token is 403 QUEUE_TOKEN_USED and holds nothing', async () => {
    const { event, fan, token } = await admittedFan();
    const held = await holdFor(fan, event.eventId, event.gaSectionId!, token);
    const paid = await e2e.api.post(`/api/v1/reservations/${held.body.reservation_id}/confirm`, { payment_method_id: 'pm_card_visa' }, { token: fan.token });
    expect(paid.body.status).toBe('CONFIRMED');
    const again = await holdFor(fan, event.eventId, event.gaSectionId!, token);
    expect([again.status, again.body.error]).toEqual([403, 'QUEUE_TOKEN_USED']);
    const { rows } = await e2e.stack.server.deps.pool.query(`SELECT status FROM reservations WHERE event_id = $1`, [event.eventId]);
    expect(rows).toEqual([{ status: 'CONFIRMED' }]);
  });

  test('after its hold expires the fan may hold again with the same token', async () => {
    const { event, fan, token } = await admittedFan();
    const first = await holdFor(fan, event.eventId, event.gaSectionId!, token, { hold_duration_seconds: 1 });
    expect(first.status).toBe(201);
    await eventually(async () => (await e2e.api.get(`/api/v1/reservations/${first.body.reservation_id}`, { token: fan.token })).body.status === 'EXPIRED');
    const again = await holdFor(fan, event.eventId, event.gaSectionId!, token);
    expect(again.status).toBe(201);
  });

  test('two holds sent at once with one token: exactly one is 201, the other 409 HOLD_ALREADY_OPEN', async () => {
    const { event, fan, token } = await admittedFan();
    const answers = await Promise.all([holdFor(fan, event.eventId, event.gaSectionId!, token), holdFor(fan, event.eventId, event.gaSectionId!, token)]);
    expect(answers.map((a) => a.status).sort()).toEqual([201, 409]);
    expect(answers.find((a) => a.status === 409)?.body.error).toBe('HOLD_ALREADY_OPEN');
    const { rows } = await e2e.stack.server.deps.pool.query(`SELECT count(*)::int AS n FROM reservations WHERE event_id = $1 AND status = 'HELD'`, [event.eventId]);
    expect(rows[0].n).toBe(1);
  });
});
