import type { EmailDataByKind, EmailKind, EventFacts } from '../../src/email/email-kinds';
import { renderEmail } from '../../src/email/render-email';

const event: EventFacts = { eventId: 'e1', name: 'Fado <Night>', startsAt: '2027-06-12T20:30:00.000Z', venueName: 'Coliseu', city: 'Lisboa' };
const ticket = { ticketId: 't1', label: 'Plateia, row B, seat 4', code: 'TKT2.abc.def' };
const ctx = { timeZone: 'Europe/Lisbon' };

const examples: { [K in EmailKind]: EmailDataByKind[K] } = {
  ORDER_CONFIRMED: { orderId: 'o1', event, totalCents: 4550, tickets: [ticket, { ...ticket, ticketId: 't2', label: 'Pista, general admission' }] },
  TRANSFER_SENT: { event, ticket: { ticketId: 't1', label: ticket.label }, toName: 'Rui' },
  TRANSFER_RECEIVED: { event, ticket, fromName: 'Ana' },
  RESALE_SOLD: { listingId: 'l1', event, ticket: { ticketId: 't1', label: ticket.label }, payoutCents: 2000 },
  RESALE_BOUGHT: { listingId: 'l1', event, ticket, priceCents: 2200 },
  RESALE_REFUNDED: { purchaseId: 'p1', event, ticket: { ticketId: 't1', label: ticket.label }, amountCents: 2200, eventCancelled: false },
  ORDER_REFUNDED: { orderId: 'o1', event, amountCents: 4550, ticketCount: 2, eventCancelled: false },
  EVENT_CANCELLED: { event, ticketCount: 1 },
};

describe('the email templates', () => {
  test.each(Object.keys(examples) as EmailKind[])('%s has a subject, a text part and an HTML part that greet the fan by name', (kind) => {
    const email = renderEmail(kind, 'Maria', examples[kind] as never, ctx);
    expect(email.subject.length).toBeGreaterThan(5);
    expect(email.text).toContain('Hi Maria,');
    expect(email.html).toContain('Hi Maria,');
    expect(email.html).toMatch(/^<!doctype html>/);
  });

  test('the order, transfer-received and resale-bought emails show each ticket\'s QR code inline by Content-ID; the others carry none', () => {
    const withCodes = (kind: EmailKind) => renderEmail(kind, 'Maria', examples[kind] as never, ctx).qrCodes;
    expect(withCodes('ORDER_CONFIRMED')).toEqual([
      { cid: 'qr-t1@tickets', code: 'TKT2.abc.def', ticketId: 't1' },
      { cid: 'qr-t2@tickets', code: 'TKT2.abc.def', ticketId: 't2' },
    ]);
    expect(renderEmail('ORDER_CONFIRMED', 'Maria', examples.ORDER_CONFIRMED, ctx).html).toContain('src="cid:qr-t2@tickets"');
    expect(withCodes('TRANSFER_RECEIVED').map((q) => q.ticketId)).toEqual(['t1']);
    expect(withCodes('RESALE_BOUGHT').map((q) => q.ticketId)).toEqual(['t1']);
    for (const kind of ['TRANSFER_SENT', 'RESALE_SOLD', 'RESALE_REFUNDED', 'ORDER_REFUNDED', 'EVENT_CANCELLED'] as const) expect(withCodes(kind)).toEqual([]);
  });

  test('names and labels are escaped in HTML and kept as they are in text', () => {
    const email = renderEmail('TRANSFER_RECEIVED', '<b>Maria</b>', { ...examples.TRANSFER_RECEIVED, fromName: 'Ana & "Rui"' }, ctx);
    expect(email.html).toContain('Hi &lt;b&gt;Maria&lt;/b&gt;,');
    expect(email.html).toContain('Ana &amp; &quot;Rui&quot;');
    expect(email.html).toContain('Fado &lt;Night&gt;');
    expect(email.html).not.toContain('<b>Maria</b>');
    expect(email.text).toContain('Ana & "Rui" passed you a ticket for Fado <Night>');
  });

  test('money is in euros and the event time in the venue\'s time zone, with the zone named', () => {
    const order = renderEmail('ORDER_CONFIRMED', 'Maria', examples.ORDER_CONFIRMED, ctx);
    expect(order.text).toContain('You paid €45.50.');
    // 20:30 UTC on 12 June is 21:30 in Lisbon (summer time).
    expect(order.text).toContain('Saturday, 12 June 2027 at 21:30 WEST at Coliseu, Lisboa');
    expect(renderEmail('ORDER_REFUNDED', 'Maria', { ...examples.ORDER_REFUNDED, eventCancelled: true }, ctx).text).toContain('Fado <Night> has been cancelled, so we are refunding your order.');
  });
});
