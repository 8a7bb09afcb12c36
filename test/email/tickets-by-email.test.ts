import { randomUUID } from 'node:crypto';
import type { EmailKind, OutboxKey } from '../../src/email/email-kinds';
import { ensureEmailSweepSchedule } from '../../src/email/email-sweep-schedule';
import { enqueueEmail } from '../../src/email/outbox';
import { eventFacts } from '../../src/email/email-facts';
import { qrCodePng } from '../../src/tickets/qr-png';
import { cancelEventWorkflowId, refundOrderWorkflowId } from '../../src/workflows/ids';
import { startE2eStack, type E2eStack } from '../support/e2e-stack';
import { delivered as deliveredBy } from '../support/email-deliveries';
import { httpClient, type HttpClient } from '../support/http';
import { attachmentOf, emailsTo, waitForEmails, type CaughtEmail } from '../support/mail-inbox';
import { buyThroughApi } from '../support/purchases';
import { adminToken, createEventViaApi, registerBuyer, type ApiEvent, type Buyer } from '../support/scenario';
import { startSmtpGate, type SmtpGate } from '../support/smtp-gate';

/*
 * Tickets by email (contract v1.1), through the real stack: the API, a worker, Temporal, PostgreSQL,
 * and the mail catcher `npm test` runs, read through its HTTP API. The worker reaches the catcher
 * through a gate that can shut, refuse or lose an answer: the one edge this suite cannot break for real.
 */
let gate: SmtpGate;
let stack: E2eStack;
let api: HttpClient;
let admin: string;

beforeAll(async () => {
  const catcher = process.env.SMTP_URL;
  if (!catcher) throw new Error('SMTP_URL is not set: run the email suites with `npm test` (it starts or reuses the mail catcher)');
  gate = await startSmtpGate(catcher);
  stack = await startE2eStack({ SMTP_URL: gate.url, CANCEL_EVENT_STRAGGLER_SECONDS: '0' });
  api = httpClient(stack.url);
  admin = await adminToken(api, stack.server.deps.pool);
});
afterAll(async () => {
  await stack?.stop();
  await gate?.stop();
});

const pool = () => stack.server.deps.pool;
const temporal = () => stack.server.deps.temporal;

function freshEvent(): Promise<ApiEvent> {
  return createEventViaApi(api, admin, { rows: 1, seatsPerRow: 4, gaCapacity: 10 });
}

const delivered = (kind: EmailKind, businessId: string) => deliveredBy(temporal(), kind, businessId);

async function outboxRow(key: OutboxKey): Promise<{ status: string; attempts: number } | undefined> {
  const { rows } = await pool().query('SELECT status, attempts FROM email_outbox WHERE kind = $1 AND business_id = $2', [key.kind, key.businessId]);
  return rows[0];
}

const bySubject = (pattern: RegExp) => (email: CaughtEmail) => pattern.test(email.subject);

/** The inline QR code of `ticketId` in `email`: its attachment, which must be the PNG of the ticket's signed code. */
async function inlineQr(email: CaughtEmail, ticketId: string): Promise<Buffer> {
  const attachment = email.attachments?.find((a) => a.contentId === `qr-${ticketId}@tickets`);
  expect(attachment).toMatchObject({ contentType: 'image/png', contentDisposition: 'inline' });
  expect(email.html).toContain(`src="cid:qr-${ticketId}@tickets"`);
  return attachmentOf(email, attachment!.generatedFileName);
}

describe('tickets by email', () => {
  test("a confirmed order sends its buyer one email, text and HTML, with every ticket's QR code inline", async () => {
    const event = await freshEvent();
    const buyer = await registerBuyer(api, 'Ana Fan');
    const paid = await buyThroughApi(api, buyer, event, { seat_ids: [event.seatIds[0]!], ga: [{ section_id: event.gaSectionId!, quantity: 1 }] });

    expect(await delivered('ORDER_CONFIRMED', paid.order_id)).toBe('SENT');
    const emails = await emailsTo(buyer.email);
    expect(emails).toHaveLength(1);
    const [email] = emails as [CaughtEmail];
    expect(email.subject).toMatch(/^Your tickets for /);
    expect(email.messageId).toBe(`order-confirmed.${paid.order_id}@localhost`);
    expect(email.text).toContain('Hi Ana Fan,');
    expect(email.text).toContain(paid.order_id);
    expect(email.attachments).toHaveLength(2);
    for (const ticket of paid.tickets) {
      expect(email.text).toContain(ticket.ticket_id);
      expect((await inlineQr(email, ticket.ticket_id)).equals(await qrCodePng(ticket.qr_code))).toBe(true);
    }
    expect(await outboxRow({ kind: 'ORDER_CONFIRMED', businessId: paid.order_id })).toEqual({ status: 'SENT', attempts: 1 });
  });

  test('a transfer emails both sides once: the giver that their code stopped working, the recipient the new QR code', async () => {
    const event = await freshEvent();
    const [giver, friend] = [await registerBuyer(api, 'Giver'), await registerBuyer(api, 'Friend')];
    const paid = await buyThroughApi(api, giver, event, { seat_ids: [event.seatIds[1]!] });
    const old = paid.tickets[0]!;
    const moved = await api.post(`/api/v1/tickets/${old.ticket_id}/transfer`, { to_email: friend.email }, { token: giver.token });
    expect(moved.status).toBe(200);

    expect(await delivered('TRANSFER_SENT', old.ticket_id)).toBe('SENT');
    expect(await delivered('TRANSFER_RECEIVED', moved.body.ticket_id)).toBe('SENT');
    const sent = (await emailsTo(giver.email)).filter(bySubject(/^You passed your ticket/));
    expect(sent).toHaveLength(1);
    expect(sent[0]!.text).toContain('Friend');
    expect(sent[0]!.attachments ?? []).toEqual([]);
    const received = await emailsTo(friend.email);
    expect(received).toHaveLength(1);
    expect(received[0]!.subject).toMatch(/^Giver sent you a ticket for /);
    expect((await inlineQr(received[0]!, moved.body.ticket_id)).equals(await qrCodePng(moved.body.qr_code))).toBe(true);
  });

  test('a refund emails the buyer once, and no cancellation email when the event goes on', async () => {
    const event = await freshEvent();
    const buyer = await registerBuyer(api);
    const paid = await buyThroughApi(api, buyer, event, { ga: [{ section_id: event.gaSectionId!, quantity: 2 }] });
    expect((await api.post(`/api/v1/orders/${paid.order_id}/refund`, undefined, { token: admin })).status).toBe(200);
    await temporal().workflow.getHandle(refundOrderWorkflowId(paid.order_id)).result();

    expect(await delivered('ORDER_REFUNDED', paid.order_id)).toBe('SENT');
    const refunds = (await emailsTo(buyer.email)).filter(bySubject(/^Your refund for /));
    expect(refunds).toHaveLength(1);
    expect(refunds[0]!.text).toContain('The 2 tickets of this order no longer open the door.');
    expect(refunds[0]!.text).not.toContain('cancelled');
    const cancellations = await pool().query(`SELECT count(*)::int AS n FROM email_outbox WHERE kind = 'EVENT_CANCELLED' AND business_id LIKE $1`, [`${event.eventId}:%`]);
    expect(cancellations.rows[0].n).toBe(0);
  });

  test("an event's cancellation emails each fan whose tickets it voided once, the fan holding a transferred ticket too, and each buyer their refund", async () => {
    const event = await freshEvent();
    const [first, second, friend] = [await registerBuyer(api, 'First'), await registerBuyer(api, 'Second'), await registerBuyer(api, 'Friend')];
    const one = await buyThroughApi(api, first, event, { ga: [{ section_id: event.gaSectionId!, quantity: 2 }] });
    const two = await buyThroughApi(api, second, event, { seat_ids: [event.seatIds[2]!] });
    expect((await api.post(`/api/v1/tickets/${one.tickets[0]!.ticket_id}/transfer`, { to_email: friend.email }, { token: first.token })).status).toBe(200);
    expect((await api.post(`/api/v1/admin/events/${event.eventId}/cancel`, { reason: 'the band is ill' }, { token: admin })).status).toBe(202);
    await temporal().workflow.getHandle(cancelEventWorkflowId(event.eventId)).result();

    for (const fan of [first, second, friend]) expect(await delivered('EVENT_CANCELLED', `${event.eventId}:${fan.id}`)).toBe('SENT');
    for (const order of [one, two]) expect(await delivered('ORDER_REFUNDED', order.order_id)).toBe('SENT');
    const cancelled = bySubject(/ is cancelled$/);
    const refunded = bySubject(/^Your refund for /);
    const count = async (fan: Buyer, match: (e: CaughtEmail) => boolean) => (await emailsTo(fan.email)).filter(match).length;
    expect({ first: await count(first, cancelled), second: await count(second, cancelled), friend: await count(friend, cancelled) }).toEqual({ first: 1, second: 1, friend: 1 });
    expect({ first: await count(first, refunded), second: await count(second, refunded), friend: await count(friend, refunded) }).toEqual({ first: 1, second: 1, friend: 0 });
    const [friendsEmail] = (await emailsTo(friend.email)).filter(cancelled);
    expect(friendsEmail!.text).toContain('your ticket no longer opens the door');
    expect((await emailsTo(first.email)).filter(refunded)[0]!.text).toContain('has been cancelled, so we are refunding your order');
  });

  test("a resale emails the seller their payout and the buyer the new ticket's QR code; the order's refund then tells each what comes back to them", async () => {
    const event = await createEventViaApi(api, admin, { rows: 1, seatsPerRow: 4, gaCapacity: 10, event: { resale: { max_price_percent: 100, fee_percent: 10 } } });
    const [seller, buyer] = [await registerBuyer(api, 'Seller'), await registerBuyer(api, 'Resale Buyer')];
    // A seat (350.00) and a GA place (50.00); the seat is resold for 300.00, of which the seller is paid 270.00.
    const paid = await buyThroughApi(api, seller, event, { seat_ids: [event.seatIds[3]!], ga: [{ section_id: event.gaSectionId!, quantity: 1 }] });
    const seat = (paid.tickets as Array<{ ticket_id: string; seat_id?: string | null }>).find((t) => t.seat_id)!;
    const listed = await api.post(`/api/v1/tickets/${seat.ticket_id}/resale`, { price_cents: 30000 }, { token: seller.token });
    expect(listed.status).toBe(201);
    const bought = await api.post(`/api/v1/resale/${listed.body.listing_id}/purchase`, { payment_method_id: 'pm_card_visa' }, { token: buyer.token });
    expect(bought.status).toBe(200);

    expect(await delivered('RESALE_SOLD', listed.body.listing_id)).toBe('SENT');
    expect(await delivered('RESALE_BOUGHT', listed.body.listing_id)).toBe('SENT');
    const sold = (await emailsTo(seller.email)).filter(bySubject(/ sold$/));
    expect(sold).toHaveLength(1);
    expect(sold[0]!.text).toContain('We are paying you €270.00.');
    const got = (await emailsTo(buyer.email)).filter(bySubject(/^Your resale ticket for /));
    expect(got).toHaveLength(1);
    expect((await inlineQr(got[0]!, bought.body.ticket.ticket_id)).equals(await qrCodePng(bought.body.ticket.qr_code))).toBe(true);

    expect((await api.post(`/api/v1/orders/${paid.order_id}/refund`, undefined, { token: admin })).status).toBe(200);
    await temporal().workflow.getHandle(refundOrderWorkflowId(paid.order_id)).result();
    const purchaseId = (await pool().query('SELECT purchase_id FROM resale_listings WHERE id = $1', [listed.body.listing_id])).rows[0].purchase_id;
    expect(await delivered('RESALE_REFUNDED', purchaseId)).toBe('SENT');
    expect(await delivered('ORDER_REFUNDED', paid.order_id)).toBe('SENT');
    const refunded = bySubject(/^Your refund for /);
    const [buyersRefund] = (await emailsTo(buyer.email)).filter(refunded);
    expect(buyersRefund!.text).toContain('€300.00 goes back the way you paid');
    expect(buyersRefund!.text).toContain('no longer opens the door');
    const sellersRefunds = (await emailsTo(seller.email)).filter(refunded);
    expect(sellersRefunds).toHaveLength(1);
    // The seller keeps the payout of the seat they resold; only the GA place's 50.00 comes back.
    expect(sellersRefunds[0]!.text).toContain('€50.00 goes back the way you paid');
    expect((await emailsTo(buyer.email)).filter(refunded)).toHaveLength(1);
  });

  test('while SMTP is down a purchase still succeeds, its email waits PENDING, and it arrives once when SMTP is back', async () => {
    const event = await freshEvent();
    const buyer = await registerBuyer(api);
    await gate.shut();
    let paid: Awaited<ReturnType<typeof buyThroughApi>>;
    try {
      paid = await buyThroughApi(api, buyer, event, { ga: [{ section_id: event.gaSectionId!, quantity: 1 }] });
      const key: OutboxKey = { kind: 'ORDER_CONFIRMED', businessId: paid.order_id };
      // Delivery has tried and failed at least once while the server was down.
      for (let row = await outboxRow(key); !row || row.attempts < 1; row = await outboxRow(key)) await new Promise((r) => setTimeout(r, 200));
      expect(await outboxRow(key)).toMatchObject({ status: 'PENDING' });
      expect(await emailsTo(buyer.email)).toEqual([]);
    } finally {
      await gate.open();
    }
    expect(await delivered('ORDER_CONFIRMED', paid.order_id)).toBe('SENT');
    expect(await emailsTo(buyer.email)).toHaveLength(1);
    const row = await outboxRow({ kind: 'ORDER_CONFIRMED', businessId: paid.order_id });
    expect(row?.status).toBe('SENT');
    expect(row?.attempts).toBeGreaterThan(1);
  });

  test('a delivery whose first two attempts the server turns away (421) is retried and sent once', async () => {
    const event = await freshEvent();
    const buyer = await registerBuyer(api);
    const before = gate.connections();
    gate.refuseNext(2);
    const paid = await buyThroughApi(api, buyer, event, { ga: [{ section_id: event.gaSectionId!, quantity: 1 }] });

    expect(await delivered('ORDER_CONFIRMED', paid.order_id)).toBe('SENT');
    expect(await emailsTo(buyer.email)).toHaveLength(1);
    expect(await outboxRow({ kind: 'ORDER_CONFIRMED', businessId: paid.order_id })).toEqual({ status: 'SENT', attempts: 3 });
    expect(gate.connections() - before).toBe(3);
  });

  test("when the server's answer to a sent email is lost, the retry sends it again with the same Message-ID (the documented at-least-once) and the row is sent once", async () => {
    const event = await freshEvent();
    const buyer = await registerBuyer(api);
    gate.loseNextAnswer();
    const paid = await buyThroughApi(api, buyer, event, { ga: [{ section_id: event.gaSectionId!, quantity: 1 }] });

    expect(await delivered('ORDER_CONFIRMED', paid.order_id)).toBe('SENT');
    const copies = await emailsTo(buyer.email);
    expect(copies.map((e) => e.messageId)).toEqual([`order-confirmed.${paid.order_id}@localhost`, `order-confirmed.${paid.order_id}@localhost`]);
    expect(await outboxRow({ kind: 'ORDER_CONFIRMED', businessId: paid.order_id })).toEqual({ status: 'SENT', attempts: 2 });
  });

  test('an email whose delivery was never started (the process died after the commit) is sent by the sweep its Schedule starts', async () => {
    const event = await freshEvent();
    const fan = await registerBuyer(api, 'Swept');
    const key: OutboxKey = { kind: 'EVENT_CANCELLED', businessId: `${event.eventId}:${fan.id}` };
    // Committed outside any action's scope: nobody starts its delivery.
    await enqueueEmail(pool(), { ...key, kind: 'EVENT_CANCELLED', to: { email: fan.email, name: 'Swept' }, data: { event: await eventFacts(pool(), event.eventId), ticketCount: 1 } });
    // The oldest row owed: the sweep takes the oldest first, and this one's batch of one takes only it, not
    // the rows other suites committed without a worker to deliver them (hundreds in a full run).
    await pool().query(
      `UPDATE email_outbox SET created_at = (SELECT min(created_at) - interval '1 day' FROM email_outbox WHERE status = 'PENDING') WHERE kind = $1 AND business_id = $2`,
      [key.kind, key.businessId],
    );
    expect(await emailsTo(fan.email)).toEqual([]);

    const scheduleId = `email-sweep-test-${randomUUID()}`;
    await ensureEmailSweepSchedule(temporal(), { taskQueue: stack.config.TEMPORAL_TASK_QUEUE, everyMinutes: 60, scheduleId, maxEmailsPerRun: 1 });
    const schedule = temporal().schedule.getHandle(scheduleId);
    try {
      await schedule.trigger();
      expect(await delivered(key.kind, key.businessId)).toBe('SENT');
      const [run] = (await schedule.describe()).info.recentActions;
      expect(await temporal().workflow.getHandle(run!.action.workflow.workflowId).result()).toEqual({ started: 1 });
    } finally {
      await schedule.delete();
    }
    const swept = await waitForEmails(fan.email, 1);
    expect(swept).toHaveLength(1);
    expect(swept[0]!.subject).toMatch(/ is cancelled$/);
  }, 120_000);
});
