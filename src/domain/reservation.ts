/**
 * Reservation shapes shared by the API, the activities and the workflow.
 * Pure types and constants only: this module is bundled into workflow code.
 */
export const RESERVATION_STATUSES = [
  'HELD',
  'PAYMENT_PENDING',
  'CONFIRMED',
  'EXPIRED',
  'CANCELLED',
  'REFUNDED',
] as const;
export type ReservationStatus = (typeof RESERVATION_STATUSES)[number];

export interface GaRequest {
  section_id: string;
  quantity: number;
}

export interface ReservedSeat {
  seat_id: string;
  section_id: string;
  row: string;
  number: number;
  price_cents: number;
}

export interface ReservedGa {
  section_id: string;
  quantity: number;
  price_cents: number;
}

export interface ReleasedGa {
  section_id: string;
  quantity: number;
}

export interface Ticket {
  ticket_id: string;
  order_id: string;
  event_id: string;
  seat_id: string | null;
  section_id: string;
  owner_id: string;
  status: 'ACTIVE' | 'USED' | 'CANCELLED' | 'TRANSFERRED' | 'RESOLD';
  qr_code: string;
}

/** The reservation as the HTTP contract shows it (snake_case, ISO timestamps). */
export interface ReservationView {
  reservation_id: string;
  event_id: string;
  user_id: string;
  status: ReservationStatus;
  seats: ReservedSeat[];
  ga: ReservedGa[];
  total_price_cents: number;
  held_until: string;
  extensions_used: number;
  max_hold_extensions: number;
  payment_attempts: number;
  order_id: string | null;
  tickets: Ticket[];
  release_reason: string | null;
  /** On a cancellation's answer: the seats it gave back (a seat another hold had reclaimed is not listed). */
  seats_released?: string[];
  /** On a cancellation's answer: the GA tickets it gave back, per section. */
  ga_released?: ReleasedGa[];
  created_at: string;
  updated_at: string;
}

/** What the API passes to a new reservation workflow; everything the workflow needs to run alone. */
export interface ReservationInput {
  reservationId: string;
  eventId: string;
  userId: string;
  seatIds: string[];
  ga: GaRequest[];
  /** Seconds of the first hold. */
  holdSeconds: number;
  /** Seconds each extension adds (the event's hold duration). */
  extensionSeconds: number;
  maxExtensions: number;
  /** How long a payment that starts before `held_until` keeps the hold alive. */
  paymentGraceSeconds: number;
  maxPaymentAttempts: number;
  idempotencyKey: string | null;
  /** Fingerprint of the POST body the idempotency key was first used with (absent on runs started before it existed). */
  requestHash?: string | null;
  /**
   * The hold exists already (a waiting-list offer made it when places were released): the run adopts it,
   * and keeps trying through a database outage rather than give the fan's places up.
   */
  adoptsOffer?: boolean;
  /** The id of the queue token a high-demand event's hold was made with: one token, one purchase (absent on runs of earlier builds). */
  queueTokenId?: string | null;
}

export interface ConfirmRequest {
  paymentMethodId: string;
  /** The client's X-Idempotency-Key, if any; it keys the charge so a retried confirm never charges twice. */
  idempotencyKey: string | null;
}

/** The hold update's argument: who asks (to tell the first request from retries) and for what. */
export interface HoldRequest {
  requestId: string;
  /** Fingerprint of this request's body: a retry with the same key but another body is refused. */
  requestHash?: string | null;
}

export interface PaymentNotification {
  paymentId: string;
  status: 'succeeded' | 'failed';
  amountCents: number;
}

/** How a reservation workflow ended, as its result in Temporal. */
export interface ReservationOutcome {
  reservationId: string;
  status: ReservationStatus;
  orderId: string | null;
  releaseReason: string | null;
}
