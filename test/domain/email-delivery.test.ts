import { isPermanentRefusal, kindSlug, messageIdFor } from '../../src/domain/email-delivery';
import { emailWorkflowId } from '../../src/workflows/ids';

describe('the rules of email delivery', () => {
  test('the Message-ID comes from the outbox key and the sender\'s domain, so every copy of one email carries the same one', () => {
    const key = { kind: 'ORDER_CONFIRMED' as const, businessId: '0b9c1e7e-4a44-4f5e-9d53-3f1c5a1d2e10' };
    expect(messageIdFor(key, 'Ticket Inventory <tickets@mail.example.com>')).toBe('<order-confirmed.0b9c1e7e-4a44-4f5e-9d53-3f1c5a1d2e10@mail.example.com>');
    expect(messageIdFor(key, 'tickets@example.org')).toBe('<order-confirmed.0b9c1e7e-4a44-4f5e-9d53-3f1c5a1d2e10@example.org>');
    expect(messageIdFor(key, 'Ticket Inventory <tickets@mail.example.com>')).toBe(messageIdFor({ ...key }, 'Ticket Inventory <tickets@mail.example.com>'));
  });

  test('a business id with characters a Message-ID may not hold (an event and a fan) becomes dots; a From without a domain falls back to localhost', () => {
    expect(messageIdFor({ kind: 'EVENT_CANCELLED', businessId: 'e1:u2' }, 'no address here')).toBe('<event-cancelled.e1.u2@localhost>');
  });

  test('the workflow id and the slug name the kind in lower case with dashes', () => {
    expect(kindSlug('TRANSFER_RECEIVED')).toBe('transfer-received');
    expect(emailWorkflowId({ kind: 'RESALE_SOLD', businessId: 'listing-1' })).toBe('email-resale-sold-listing-1');
  });

  test('only a permanent refusal of the recipient ends delivery for good; connection failures, 4xx and 5xx at login are retried', () => {
    expect(isPermanentRefusal({ code: 'EENVELOPE', responseCode: 550, command: 'RCPT TO' })).toBe(true);
    expect(isPermanentRefusal({ code: 'EENVELOPE', responseCode: 553 })).toBe(true);
    expect(isPermanentRefusal({ code: 'EENVELOPE', responseCode: 450, command: 'RCPT TO' })).toBe(false);
    expect(isPermanentRefusal({ code: 'EAUTH', responseCode: 535, command: 'AUTH PLAIN' })).toBe(false);
    expect(isPermanentRefusal({ code: 'ECONNECTION' })).toBe(false);
    expect(isPermanentRefusal({ code: 'EPROTOCOL', responseCode: 421 })).toBe(false);
    expect(isPermanentRefusal({ code: 'EMESSAGE', responseCode: 554, command: 'DATA' })).toBe(false);
  });
});
