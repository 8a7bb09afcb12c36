import type { Pool } from 'pg';
import { useE2eStack } from '../support/e2e-stack';
import { createEventViaApi, registerBuyer, type ApiEvent, type Buyer } from '../support/scenario';

const e2e = useE2eStack();
let event: ApiEvent;
let otherEvent: ApiEvent;
let buyer: Buyer;

beforeAll(async () => {
  event = await createEventViaApi(e2e.api, e2e.admin, { rows: 2, seatsPerRow: 5, gaCapacity: 50, event: { max_tickets_per_order: 4 } });
  otherEvent = await createEventViaApi(e2e.api, e2e.admin, { rows: 1, seatsPerRow: 2, gaCapacity: 5 });
  buyer = await registerBuyer(e2e.api);
});

/** Everything a bad request could have touched, to prove it touched nothing. */
async function snapshot(pool: Pool): Promise<unknown> {
  const { rows } = await pool.query(`
    SELECT (SELECT count(*) FROM reservations) AS reservations,
           (SELECT count(*) FROM seats WHERE status <> 'AVAILABLE') AS taken_seats,
           (SELECT coalesce(sum(held + sold), 0) FROM ga_inventory) AS ga_taken,
           (SELECT count(*) FROM payments) AS payments,
           (SELECT count(*) FROM inventory_audit_log) AS audit`);
  return rows[0];
}

const missingId = '00000000-0000-4000-8000-000000000000';

describe('bad input gets the contract error and changes nothing', () => {
  const cases: Array<[string, () => { body?: unknown; raw?: string; token?: string | null; headers?: Record<string, string> }, number, string]> = [
    ['malformed JSON', () => ({ raw: '{"event_id": ' }), 400, 'VALIDATION_ERROR'],
    ['a JSON array instead of an object', () => ({ raw: '[1,2]' }), 400, 'VALIDATION_ERROR'],
    ['no event_id', () => ({ body: { seat_ids: [event.seatIds[0]] } }), 400, 'VALIDATION_ERROR'],
    ['event_id of the wrong type', () => ({ body: { event_id: 42, seat_ids: [event.seatIds[0]] } }), 400, 'VALIDATION_ERROR'],
    ['seat_ids not an array', () => ({ body: { event_id: event.eventId, seat_ids: event.seatIds[0] } }), 400, 'VALIDATION_ERROR'],
    ['a malformed seat id', () => ({ body: { event_id: event.eventId, seat_ids: ['not-a-uuid'] } }), 400, 'VALIDATION_ERROR'],
    ['nothing asked for', () => ({ body: { event_id: event.eventId } }), 400, 'VALIDATION_ERROR'],
    ['empty seat list and empty GA', () => ({ body: { event_id: event.eventId, seat_ids: [], ga: [] } }), 400, 'VALIDATION_ERROR'],
    ['duplicate seat ids', () => ({ body: { event_id: event.eventId, seat_ids: [event.seatIds[0], event.seatIds[0]] } }), 400, 'VALIDATION_ERROR'],
    ['duplicate GA sections', () => ({ body: { event_id: event.eventId, ga: [{ section_id: event.gaSectionId, quantity: 1 }, { section_id: event.gaSectionId, quantity: 1 }] } }), 400, 'VALIDATION_ERROR'],
    ['zero quantity', () => ({ body: { event_id: event.eventId, ga: [{ section_id: event.gaSectionId, quantity: 0 }] } }), 400, 'VALIDATION_ERROR'],
    ['negative quantity', () => ({ body: { event_id: event.eventId, ga: [{ section_id: event.gaSectionId, quantity: -2 }] } }), 400, 'VALIDATION_ERROR'],
    ['fractional quantity', () => ({ body: { event_id: event.eventId, ga: [{ section_id: event.gaSectionId, quantity: 1.5 }] } }), 400, 'VALIDATION_ERROR'],
    ['quantity as a string', () => ({ body: { event_id: event.eventId, ga: [{ section_id: event.gaSectionId, quantity: '2' }] } }), 400, 'VALIDATION_ERROR'],
    ['more than max_tickets_per_order', () => ({ body: { event_id: event.eventId, seat_ids: event.seatIds.slice(0, 2), ga: [{ section_id: event.gaSectionId, quantity: 3 }] } }), 400, 'VALIDATION_ERROR'],
    ['hold_duration_seconds of 0', () => ({ body: { event_id: event.eventId, seat_ids: [event.seatIds[0]], hold_duration_seconds: 0 } }), 400, 'VALIDATION_ERROR'],
    ['hold_duration_seconds over 1800', () => ({ body: { event_id: event.eventId, seat_ids: [event.seatIds[0]], hold_duration_seconds: 1801 } }), 400, 'VALIDATION_ERROR'],
    ['fractional hold_duration_seconds', () => ({ body: { event_id: event.eventId, seat_ids: [event.seatIds[0]], hold_duration_seconds: 2.5 } }), 400, 'VALIDATION_ERROR'],
    ['a seat of another event', () => ({ body: { event_id: event.eventId, seat_ids: [otherEvent.seatIds[0]] } }), 400, 'VALIDATION_ERROR'],
    ['a GA section of another event', () => ({ body: { event_id: event.eventId, ga: [{ section_id: otherEvent.gaSectionId, quantity: 1 }] } }), 400, 'VALIDATION_ERROR'],
    ['a seat id that does not exist', () => ({ body: { event_id: event.eventId, seat_ids: [missingId] } }), 400, 'VALIDATION_ERROR'],
    ['an unknown event', () => ({ body: { event_id: missingId, seat_ids: [event.seatIds[0]] } }), 404, 'EVENT_NOT_FOUND'],
    ['no token', () => ({ body: { event_id: event.eventId, seat_ids: [event.seatIds[0]] }, token: null }), 401, 'UNAUTHENTICATED'],
    ['a bad token', () => ({ body: { event_id: event.eventId, seat_ids: [event.seatIds[0]] }, token: 'x'.repeat(43) }), 401, 'UNAUTHENTICATED'],
    ['a malformed Authorization header', () => ({ body: { event_id: event.eventId, seat_ids: [event.seatIds[0]] }, headers: { authorization: 'Basic abc' }, token: null }), 401, 'UNAUTHENTICATED'],
    ['a body over the size limit', () => ({ raw: JSON.stringify({ event_id: event.eventId, padding: 'x'.repeat(200_000) }) }), 413, 'PAYLOAD_TOO_LARGE'],
  ];

  test.each(cases)('POST /reservations with %s gets its error and changes nothing', async (_name, build, status, code) => {
    const pool = e2e.stack.server.deps.pool;
    const before = await snapshot(pool);
    const { body, raw, token, headers } = build();
    const res = await e2e.api.post('/api/v1/reservations', body, { raw, token: token === null ? undefined : (token ?? buyer.token), headers });
    expect(res.status).toBe(status);
    expect(res.body).toMatchObject({ error: code, message: expect.any(String) });
    if (code === 'VALIDATION_ERROR') expect(res.body.details).toEqual(expect.arrayContaining([expect.objectContaining({ field: expect.any(String), message: expect.any(String) })]));
    expect(await snapshot(pool)).toEqual(before);
  });

  test('an event not yet on sale answers 409 EVENT_NOT_ON_SALE and holds nothing', async () => {
    const later = await createEventViaApi(e2e.api, e2e.admin, { rows: 1, seatsPerRow: 2, event: { on_sale_at: new Date(Date.now() + 86_400_000).toISOString() } });
    const before = await snapshot(e2e.stack.server.deps.pool);
    const res = await e2e.api.post('/api/v1/reservations', { event_id: later.eventId, seat_ids: [later.seatIds[0]] }, { token: buyer.token });
    expect(res.status).toBe(409);
    expect(res.body.error).toBe('EVENT_NOT_ON_SALE');
    expect(await snapshot(e2e.stack.server.deps.pool)).toEqual(before);
  });

  test('unknown and malformed reservation ids are 404; a bad payment method body is 400', async () => {
    for (const id of [missingId, 'nope', '1']) {
      const res = await e2e.api.get(`/api/v1/reservations/${id}`, { token: buyer.token });
      expect(res.status).toBe(404);
      expect(res.body.error).toBe('NOT_FOUND');
    }
    const held = await e2e.api.post('/api/v1/reservations', { event_id: event.eventId, seat_ids: [event.seatIds[9]] }, { token: buyer.token });
    expect(held.status).toBe(201);
    const res = await e2e.api.post(`/api/v1/reservations/${held.body.reservation_id}/confirm`, { payment_method_id: 7 }, { token: buyer.token });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('VALIDATION_ERROR');
    expect((await e2e.api.get(`/api/v1/reservations/${held.body.reservation_id}`, { token: buyer.token })).body).toMatchObject({ status: 'HELD', payment_attempts: 0 });
  });

  test('registration and login refuse bad input with the contract codes', async () => {
    expect((await e2e.api.post('/api/v1/auth/register', { email: 'not-an-email', password: 'longenough', name: 'x' })).body.error).toBe('VALIDATION_ERROR');
    expect((await e2e.api.post('/api/v1/auth/register', { email: 'short@example.com', password: 'short', name: 'x' })).status).toBe(400);
    const dup = await e2e.api.post('/api/v1/auth/register', { email: buyer.email, password: 'longenough', name: 'x' });
    expect(dup.status).toBe(409);
    expect(dup.body.error).toBe('EMAIL_TAKEN');
    const wrong = await e2e.api.post('/api/v1/auth/login', { email: buyer.email, password: 'wrong-password' });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error).toBe('INVALID_CREDENTIALS');
  });

  test('after logout the token stops working', async () => {
    const someone = await registerBuyer(e2e.api);
    expect((await e2e.api.get('/api/v1/auth/me', { token: someone.token })).status).toBe(200);
    expect((await e2e.api.post('/api/v1/auth/logout', undefined, { token: someone.token })).status).toBe(204);
    expect((await e2e.api.get('/api/v1/auth/me', { token: someone.token })).status).toBe(401);
  });
});
