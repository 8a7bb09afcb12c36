/**
 * What the platform emails a fan about (contract v1.1, "Tickets by email"), and what each email says.
 * Pure types and constants: the workflows import them too.
 */
export const EMAIL_KINDS = [
  'ORDER_CONFIRMED',
  'TRANSFER_SENT',
  'TRANSFER_RECEIVED',
  'RESALE_SOLD',
  'RESALE_BOUGHT',
  'RESALE_REFUNDED',
  'ORDER_REFUNDED',
  'EVENT_CANCELLED',
] as const;

export type EmailKind = (typeof EMAIL_KINDS)[number];

/** An email is owed once per (kind, business id): the outbox's unique key, the workflow's id, the Message-ID. */
export interface OutboxKey {
  kind: EmailKind;
  businessId: string;
}

export interface EventFacts {
  eventId: string;
  name: string;
  /** ISO 8601. */
  startsAt: string;
  venueName: string;
  city: string;
}

/** A ticket as an email names it ("Stalls, row B, seat 4"). */
export interface TicketLabel {
  ticketId: string;
  label: string;
}

/** A ticket that opens the door: the email carries its QR code. */
export interface TicketWithCode extends TicketLabel {
  /** The signed code the QR image encodes (tickets.qr_code). */
  code: string;
}

export interface EmailDataByKind {
  ORDER_CONFIRMED: { orderId: string; event: EventFacts; totalCents: number; tickets: TicketWithCode[] };
  /** To the fan who passed a ticket on: its code no longer works. */
  TRANSFER_SENT: { event: EventFacts; ticket: TicketLabel; toName: string };
  /** To the fan who received it: the new ticket's code. */
  TRANSFER_RECEIVED: { event: EventFacts; ticket: TicketWithCode; fromName: string };
  /** To the seller: the ticket sold on resale and what they are paid. */
  RESALE_SOLD: { listingId: string; event: EventFacts; ticket: TicketLabel; payoutCents: number };
  /** To the buyer on resale: their new ticket's code. */
  RESALE_BOUGHT: { listingId: string; event: EventFacts; ticket: TicketWithCode; priceCents: number };
  /** To a buyer on resale whose purchase an order's refund (or the event's cancellation) gives back in full. */
  RESALE_REFUNDED: { purchaseId: string; event: EventFacts; ticket: TicketLabel; amountCents: number; eventCancelled: boolean };
  ORDER_REFUNDED: { orderId: string; event: EventFacts; amountCents: number; ticketCount: number; eventCancelled: boolean };
  /** To each fan whose tickets the cancellation voided (one per fan and event, whatever number of orders). */
  EVENT_CANCELLED: { event: EventFacts; ticketCount: number };
}

export interface Recipient {
  email: string;
  name: string;
}

/** One email to owe a fan, as enqueueEmail takes it. */
export type EmailRequest = {
  [K in EmailKind]: { kind: K; businessId: string; to: Recipient; data: EmailDataByKind[K] };
}[EmailKind];
