import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { copyFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { simulatedLedger } from '../../src/payments/simulated-provider';
import { qrCodeSvg } from '../../src/tickets/qr-svg';
import { gaCounter, paymentsOf, seatStatuses } from '../support/db-queries';
import { useE2eStack } from '../support/e2e-stack';
import { verifyTicketCode } from '../../src/tickets/ticket-codes';
import { TEST_TICKET_KEYS_DIR, testTicketKeys } from '../support/env';
import { createEventViaApi, registerBuyer, type ApiEvent, type Buyer } from '../support/scenario';

const e2e = useE2eStack();
const pool = () => e2e.stack.server.deps.pool;

async function freshEvent(): Promise<ApiEvent> {
  return createEventViaApi(e2e.api, e2e.admin, { rows: 1, seatsPerRow: 6, gaCapacity: 10 });
}

/** A buyer holds and pays; returns the confirm answer. */
async function buy(buyer: Buyer, event: ApiEvent, body: Record<string, unknown>) {
  const held = await e2e.api.post('/api/v1/reservations', { event_id: event.eventId, ...body }, { token: buyer.token });
  expect(held.status).toBe(201);
  const paid = await e2e.api.post(`/api/v1/reservations/${held.body.reservation_id}/confirm`, { payment_method_id: 'pm_card_visa' }, { token: buyer.token });
  expect(paid.status).toBe(200);
  return paid.body;
}

async function scannerToken(): Promise<string> {
  const steward = await registerBuyer(e2e.api, 'Door steward');
  const granted = await e2e.api.request('PUT', `/api/v1/admin/users/${steward.id}/role`, { role: 'scanner' }, { token: e2e.admin });
  expect(granted.status).toBe(200);
  return steward.token;
}

/** The event a code is for (what the door it is scanned at is set to), or an unrelated one for codes that do not read. */
function eventOfCode(code: string): string {
  try {
    return verifyTicketCode(code, testTicketKeys().verifying).eid;
  } catch {
    return randomUUID();
  }
}

/** A scan at the door of `eventId` (by default the door of the code's own event). */
const scan = (token: string, code: string, eventId: string | null = eventOfCode(code)) =>
  e2e.api.post('/api/v1/tickets/validate', { qr_code: code, ...(eventId === null ? {} : { event_id: eventId }) }, { token });

describe('orders and their tickets', () => {
  test('a buyer lists their orders newest first and opens one; the confirm answer and the order carry the same signed tickets', async () => {
    const event = await freshEvent();
    const buyer = await registerBuyer(e2e.api);
    const first = await buy(buyer, event, { seat_ids: [event.seatIds[0]] });
    const second = await buy(buyer, event, { seat_ids: [event.seatIds[1]], ga: [{ section_id: event.gaSectionId, quantity: 2 }] });

    const page = await e2e.api.get('/api/v1/orders?limit=1', { token: buyer.token });
    expect(page.status).toBe(200);
    expect(page.body.orders.map((o: { order_id: string }) => o.order_id)).toEqual([second.order_id]);
    const next = await e2e.api.get(`/api/v1/orders?limit=1&cursor=${page.body.next_cursor}`, { token: buyer.token });
    expect(next.body.orders.map((o: { order_id: string }) => o.order_id)).toEqual([first.order_id]);
    expect(next.body.next_cursor).toBeNull();

    const order = await e2e.api.get(`/api/v1/orders/${second.order_id}`, { token: buyer.token });
    expect(order.body).toMatchObject({ status: 'CONFIRMED', reservation_id: second.reservation_id, total_cents: second.total_price_cents });
    expect(order.body.tickets).toHaveLength(3);
    const byId = (tickets: Array<{ ticket_id: string; qr_code: string }>) => Object.fromEntries(tickets.map((t) => [t.ticket_id, t.qr_code]));
    expect(byId(order.body.tickets)).toEqual(byId(second.tickets));
    for (const ticket of order.body.tickets) expect(ticket.qr_code).toMatch(/^TKT2\.[\w-]+\.[\w-]{86}$/);
    expect(order.body.tickets.find((t: { seat_id: string | null }) => t.seat_id)).toMatchObject({ row: 'A', number: 2, status: 'ACTIVE' });
  });

  test("another buyer's order and ticket are not found (404); an admin sees them", async () => {
    const event = await freshEvent();
    const [owner, stranger] = [await registerBuyer(e2e.api), await registerBuyer(e2e.api)];
    const paid = await buy(owner, event, { seat_ids: [event.seatIds[2]] });
    const ticketId = paid.tickets[0].ticket_id;
    for (const path of [`/api/v1/orders/${paid.order_id}`, `/api/v1/tickets/${ticketId}`, `/api/v1/tickets/${ticketId}/qr.svg`]) {
      expect((await e2e.api.get(path, { token: stranger.token })).status).toBe(404);
      expect((await e2e.api.get(path, { token: e2e.admin })).status).toBe(200);
    }
    expect((await e2e.api.get('/api/v1/orders/not-a-uuid', { token: owner.token })).status).toBe(404);
  });

  test("the QR code is served as an SVG image of the ticket's signed code", async () => {
    const event = await freshEvent();
    const buyer = await registerBuyer(e2e.api);
    const paid = await buy(buyer, event, { ga: [{ section_id: event.gaSectionId, quantity: 1 }] });
    const res = await e2e.api.get(`/api/v1/tickets/${paid.tickets[0].ticket_id}/qr.svg`, { token: buyer.token });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^image\/svg\+xml/);
    expect(String(res.body)).toMatch(/^<svg[^>]*viewBox="0 0 \d+ \d+"/);
    expect(res.body).toBe(await qrCodeSvg(paid.tickets[0].qr_code));
  });
});

describe('scanning at the door', () => {
  test('two scanners reading the same code in the same instant: exactly one admits it, the other gets 409 ALREADY_USED', async () => {
    const event = await freshEvent();
    const buyer = await registerBuyer(e2e.api);
    const paid = await buy(buyer, event, { seat_ids: [event.seatIds[3]] });
    const [doorA, doorB] = [await scannerToken(), await scannerToken()];
    const code = paid.tickets[0].qr_code;
    const answers = await Promise.all([scan(doorA, code), scan(doorB, code)]);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 409]);
    const admitted = answers.find((a) => a.status === 200)!;
    expect(admitted.body).toMatchObject({ valid: true, ticket: { ticket_id: paid.tickets[0].ticket_id, status: 'USED' } });
    expect(answers.find((a) => a.status === 409)!.body.error).toBe('ALREADY_USED');
    expect((await scan(doorA, code)).body.error).toBe('ALREADY_USED');
  });

  test('tampered, truncated, forged and unknown-key codes are refused with 400 INVALID_SIGNATURE and change nothing', async () => {
    const event = await freshEvent();
    const buyer = await registerBuyer(e2e.api);
    const paid = await buy(buyer, event, { ga: [{ section_id: event.gaSectionId, quantity: 1 }] });
    const door = await scannerToken();
    const code: string = paid.tickets[0].qr_code;
    const [prefix, body, signature] = code.split('.');
    const claims = JSON.parse(Buffer.from(body!, 'base64url').toString());
    const otherTicket = `${prefix}.${Buffer.from(JSON.stringify({ ...claims, nm: 'Mallory' })).toString('base64url')}.${signature}`;
    const unknownKey = `${prefix}.${Buffer.from(JSON.stringify({ ...claims, kid: 'AAAAAAAAAAAA' })).toString('base64url')}.${signature}`;
    for (const bad of [otherTicket, unknownKey, code.slice(0, -3), `${prefix}.${body}`, 'TKT1.whatever']) {
      const res = await scan(door, bad);
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('INVALID_SIGNATURE');
    }
    expect((await scan(door, code)).status).toBe(200);
  });

  test('a plain user can neither validate nor refund (403); a scanner can validate but do nothing else', async () => {
    const event = await freshEvent();
    const buyer = await registerBuyer(e2e.api);
    const paid = await buy(buyer, event, { ga: [{ section_id: event.gaSectionId, quantity: 1 }] });
    expect((await scan(buyer.token, paid.tickets[0].qr_code)).status).toBe(403);
    expect((await e2e.api.post(`/api/v1/orders/${paid.order_id}/refund`, undefined, { token: buyer.token })).status).toBe(403);
    expect((await e2e.api.request('PUT', `/api/v1/admin/users/${buyer.id}/role`, { role: 'admin' }, { token: buyer.token })).status).toBe(403);

    const door = await scannerToken();
    expect((await e2e.api.get('/api/v1/auth/me', { token: door })).body.user.role).toBe('scanner');
    expect((await e2e.api.get('/api/v1/orders', { token: door })).status).toBe(403);
    expect((await e2e.api.post('/api/v1/reservations', { event_id: event.eventId, seat_ids: [event.seatIds[5]] }, { token: door })).status).toBe(403);
    expect((await scan(door, paid.tickets[0].qr_code)).status).toBe(200);
  });

  test("a scanner at one event's door cannot admit another event's ticket: 409 WRONG_EVENT naming the ticket's event, and the ticket still opens its own door", async () => {
    const [tonight, tomorrow] = [await freshEvent(), await freshEvent()];
    const buyer = await registerBuyer(e2e.api);
    const paid = await buy(buyer, tomorrow, { ga: [{ section_id: tomorrow.gaSectionId, quantity: 1 }] });
    const door = await scannerToken();
    const code: string = paid.tickets[0].qr_code;

    const refused = await scan(door, code, tonight.eventId);
    expect([refused.status, refused.body.error, refused.body.event_id]).toEqual([409, 'WRONG_EVENT', tomorrow.eventId]);
    expect((await e2e.api.get(`/api/v1/tickets/${paid.tickets[0].ticket_id}`, { token: buyer.token })).body.status).toBe('ACTIVE');
    const { rows } = await pool().query(`SELECT action, detail FROM ticket_events WHERE ticket_id = $1 AND action = 'SCAN_REFUSED'`, [paid.tickets[0].ticket_id]);
    expect(rows).toEqual([{ action: 'SCAN_REFUSED', detail: 'WRONG_EVENT' }]);

    expect((await scan(door, code, tomorrow.eventId)).status).toBe(200);
  });

  test("a scanner must say which event's door it is at: without event_id the scan is 400 VALIDATION_ERROR and admits nothing; an admin may leave it out", async () => {
    const event = await freshEvent();
    const buyer = await registerBuyer(e2e.api);
    const paid = await buy(buyer, event, { ga: [{ section_id: event.gaSectionId, quantity: 2 }] });
    const door = await scannerToken();

    const unbound = await scan(door, paid.tickets[0].qr_code, null);
    expect([unbound.status, unbound.body.error]).toEqual([400, 'VALIDATION_ERROR']);
    expect(unbound.body.details).toEqual([expect.objectContaining({ field: 'event_id' })]);
    expect((await e2e.api.get(`/api/v1/tickets/${paid.tickets[0].ticket_id}`, { token: buyer.token })).body.status).toBe('ACTIVE');

    expect((await scan(e2e.admin, paid.tickets[1].qr_code, null)).status).toBe(200);
  });
});

describe('transfers', () => {
  test('after a transfer only the friend\'s new code opens the door; the old one is TICKET_TRANSFERRED', async () => {
    const event = await freshEvent();
    const [buyer, friend] = [await registerBuyer(e2e.api), await registerBuyer(e2e.api, 'Friend')];
    const paid = await buy(buyer, event, { seat_ids: [event.seatIds[4]] });
    const old = paid.tickets[0];
    const moved = await e2e.api.post(`/api/v1/tickets/${old.ticket_id}/transfer`, { to_email: friend.email.toUpperCase() }, { token: buyer.token });
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ owner_id: friend.id, seat_id: event.seatIds[4], status: 'ACTIVE', transferred_from: old.ticket_id });
    expect(moved.body.qr_code).not.toBe(old.qr_code);

    const door = await scannerToken();
    const oldScan = await scan(door, old.qr_code);
    expect(oldScan.status).toBe(409);
    expect(oldScan.body.error).toBe('TICKET_TRANSFERRED');
    expect((await scan(door, moved.body.qr_code)).status).toBe(200);

    const mine = await e2e.api.get('/api/v1/tickets', { token: friend.token });
    expect(mine.body.tickets.map((t: { ticket_id: string }) => t.ticket_id)).toEqual([moved.body.ticket_id]);
    expect((await e2e.api.get(`/api/v1/orders/${paid.order_id}`, { token: buyer.token })).body.tickets[0]).toMatchObject({ status: 'TRANSFERRED', transferred_to: moved.body.ticket_id });
  });

  test('a used or already transferred ticket cannot be transferred (409); someone else\'s ticket is 404; an unknown recipient is 400', async () => {
    const event = await freshEvent();
    const [buyer, friend, stranger] = [await registerBuyer(e2e.api), await registerBuyer(e2e.api), await registerBuyer(e2e.api)];
    const paid = await buy(buyer, event, { ga: [{ section_id: event.gaSectionId, quantity: 2 }] });
    const [used, passed] = paid.tickets;
    await scan(await scannerToken(), used.qr_code);
    const transfer = (id: string, email: string, token = buyer.token) => e2e.api.post(`/api/v1/tickets/${id}/transfer`, { to_email: email }, { token });

    expect((await transfer(used.ticket_id, friend.email)).body.error).toBe('ALREADY_USED');
    expect((await transfer(passed.ticket_id, friend.email)).status).toBe(200);
    const again = await transfer(passed.ticket_id, stranger.email);
    expect([again.status, again.body.error]).toEqual([409, 'TICKET_TRANSFERRED']);
    expect((await transfer(passed.ticket_id, friend.email, stranger.token)).status).toBe(404);
    const nobody = await transfer(used.ticket_id, 'nobody-here@example.com');
    expect(nobody.status).toBe(409); // a used ticket is refused before its recipient is even looked at
    const unknown = await buy(buyer, event, { ga: [{ section_id: event.gaSectionId, quantity: 1 }] });
    const res = await transfer(unknown.tickets[0].ticket_id, 'nobody-here@example.com');
    expect([res.status, res.body.details[0].field]).toEqual([400, 'to_email']);
  });
});

describe('refunds', () => {
  test('an admin refunds an order: the money goes back, its tickets stop working, its seats and GA places are on sale again at once', async () => {
    const event = await freshEvent();
    const buyer = await registerBuyer(e2e.api);
    const paid = await buy(buyer, event, { seat_ids: [event.seatIds[5]], ga: [{ section_id: event.gaSectionId, quantity: 3 }] });
    expect(await gaCounter(pool(), event.eventId, event.gaSectionId!)).toMatchObject({ sold: 3 });

    const refunded = await e2e.api.post(`/api/v1/orders/${paid.order_id}/refund`, undefined, { token: e2e.admin });
    expect(refunded.status).toBe(200);
    expect(refunded.body).toMatchObject({ order_id: paid.order_id, status: 'REFUNDED', refunded_at: expect.any(String) });
    expect(refunded.body.tickets.map((t: { status: string }) => t.status)).toEqual(['CANCELLED', 'CANCELLED', 'CANCELLED', 'CANCELLED']);
    expect(await seatStatuses(pool(), [event.seatIds[5]!])).toEqual(['AVAILABLE']);
    expect(await gaCounter(pool(), event.eventId, event.gaSectionId!)).toMatchObject({ held: 0, sold: 0 });
    expect(await paymentsOf(pool(), paid.reservation_id)).toEqual([{ status: 'REFUNDED', amount_cents: paid.total_price_cents }]);
    const [charge] = await simulatedLedger(e2e.stack.server.deps.redis).capturedCharges(paid.reservation_id);
    expect(await simulatedLedger(e2e.stack.server.deps.redis).refunded(charge!.providerPaymentId)).toBe(true);
    expect((await e2e.api.get(`/api/v1/reservations/${paid.reservation_id}`, { token: buyer.token })).body.status).toBe('REFUNDED');
    const door = await scannerToken();
    expect((await scan(door, paid.tickets[0].qr_code)).body.error).toBe('TICKET_CANCELLED');

    // The seat sells again, and a second refund changes nothing.
    const other = await registerBuyer(e2e.api);
    expect((await buy(other, event, { seat_ids: [event.seatIds[5]] })).status).toBe('CONFIRMED');
    const twice = await e2e.api.post(`/api/v1/orders/${paid.order_id}/refund`, undefined, { token: e2e.admin });
    expect([twice.status, twice.body.status, twice.body.refunded_at]).toEqual([200, 'REFUNDED', refunded.body.refunded_at]);
    expect(await seatStatuses(pool(), [event.seatIds[5]!])).toEqual(['SOLD']);
  });

  test('refunding an order that does not exist is 404', async () => {
    expect((await e2e.api.post('/api/v1/orders/7d3f3a1e-58c6-4a36-9a52-3e0d9e7f2b11/refund', undefined, { token: e2e.admin })).status).toBe(404);
  });
});

describe('offline verification', () => {
  test('with the public key alone, the CLI says a genuine code is VALID (who and what it admits) and a tampered one INVALID', async () => {
    const event = await freshEvent();
    const buyer = await registerBuyer(e2e.api, 'Offline Olga');
    const paid = await buy(buyer, event, { seat_ids: [event.seatIds[0]] });
    const publicOnly = mkdtempSync(join(tmpdir(), 'scanner-keys-'));
    try {
      for (const file of readdirSync(TEST_TICKET_KEYS_DIR).filter((f) => f.endsWith('.ticket-public-key.pem'))) {
        copyFileSync(join(TEST_TICKET_KEYS_DIR, file), join(publicOnly, file));
      }
      const run = (code: string) =>
        promisify(execFile)(process.execPath, [require.resolve('ts-node/dist/bin'), '--transpile-only', 'scripts/verify-ticket.ts', code, '--keys-dir', publicOnly], {
          cwd: join(__dirname, '..', '..'),
        }).then(
          (out) => ({ exitCode: 0, stdout: out.stdout }),
          (err: { code: number; stdout: string }) => ({ exitCode: err.code, stdout: err.stdout }),
        );
      const genuine = await run(paid.tickets[0].qr_code);
      expect(genuine.exitCode).toBe(0);
      expect(genuine.stdout).toContain('VALID');
      expect(genuine.stdout).toContain('Offline Olga');
      expect(genuine.stdout).toContain(paid.tickets[0].ticket_id);
      const code: string = paid.tickets[0].qr_code;
      const forged = await run(code.slice(0, -2) + (code.at(-2) === 'A' ? 'B' : 'A') + code.at(-1));
      expect(forged.exitCode).toBe(1);
      expect(forged.stdout).toContain('INVALID');
    } finally {
      rmSync(publicOnly, { recursive: true, force: true });
    }
  });
});
