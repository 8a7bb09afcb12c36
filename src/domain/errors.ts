/**
 * The one error type of the domain. Everything the API answers with a non-2xx status is an AppError
 * (or is turned into one in a single place, src/api/middleware/error-handler.ts).
 * Activities and workflows carry the same `code` across Temporal as an ApplicationFailure `type`,
 * so a business refusal made in the worker reaches the client with its contract code intact.
 */
export const ERROR_STATUS = {
  VALIDATION_ERROR: 400,
  INVALID_SIGNATURE: 401,
  UNAUTHENTICATED: 401,
  INVALID_CREDENTIALS: 401,
  PAYMENT_DECLINED: 402,
  FORBIDDEN: 403,
  QUEUE_TOKEN_REQUIRED: 403,
  /** A presale window is open and the request has not its access code (missing or wrong). */
  PRESALE_CODE_REQUIRED: 403,
  /** A purchase made with this queue token was confirmed: the token admitted its holder to that one purchase. */
  QUEUE_TOKEN_USED: 403,
  NOT_FOUND: 404,
  EVENT_NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  EMAIL_TAKEN: 409,
  SEATS_UNAVAILABLE: 409,
  INSUFFICIENT_INVENTORY: 409,
  EVENT_NOT_ON_SALE: 409,
  /** An event with presale windows, asked outside them and before its general sale: details say when it opens. */
  NOT_ON_SALE_YET: 409,
  /** The presale's per-user limit: the user's live holds and confirmed tickets for the event, plus this request, exceed it. */
  PRESALE_LIMIT_EXCEEDED: 409,
  RESERVATION_EXPIRED: 409,
  RESERVATION_CANCELLED: 409,
  RESERVATION_CONFIRMED: 409,
  RESERVATION_NOT_ACTIVE: 409,
  EXTENSION_LIMIT: 409,
  ALREADY_USED: 409,
  /** A ticket of another event than the one whose door scanned it (details: the ticket's event_id). */
  WRONG_EVENT: 409,
  TICKET_CANCELLED: 409,
  TICKET_TRANSFERRED: 409,
  /** The ticket was sold on resale: only the buyer's new code opens the door. */
  TICKET_RESOLD: 409,
  /** The event does not allow resale (or has started, or was cancelled). */
  RESALE_NOT_ALLOWED: 409,
  /** Only an ACTIVE ticket of a confirmed order can be listed. */
  TICKET_NOT_ACTIVE: 409,
  /** The ticket has an open listing already. */
  ALREADY_LISTED: 409,
  /** The listing is no longer LISTED (sold, withdrawn or expired): it cannot be bought or withdrawn. */
  LISTING_UNAVAILABLE: 409,
  /** A seller cannot buy their own listing. */
  OWN_LISTING: 409,
  /** A refund that cannot be made (the order's money was never captured): an operator must look. */
  REFUND_NOT_POSSIBLE: 409,
  /** The event sells without a waiting room (it is not high_demand): no queue to join. */
  NO_WAITING_ROOM: 409,
  /** A waiting list was asked for places the section has for sale: they can be held instead. */
  TICKETS_AVAILABLE: 409,
  /** The fan is in line for the event already (or holds an offer from it): one place in line per fan and event. */
  ALREADY_ON_WAITLIST: 409,
  /** The queue token already backs an open hold: one hold at a time per token (it may be tried again once that one ends unbought). */
  HOLD_ALREADY_OPEN: 409,
  /** An earlier charge of the reservation has no known outcome yet; a new one waits for it. */
  PAYMENT_IN_PROGRESS: 409,
  /** A sale was asked to use money that is not (or no longer) this reservation's captured payment. */
  PAYMENT_NOT_CAPTURED: 409,
  IDEMPOTENCY_KEY_REUSED: 422,
  /** A listing's price above the event's cap (max_price_cents says how much is allowed). */
  PRICE_ABOVE_CAP: 422,
  PAYLOAD_TOO_LARGE: 413,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  UNAVAILABLE: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(ERROR_STATUS, value);
}

export class AppError extends Error {
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
    /** Where the contract gives one code two statuses (INVALID_SIGNATURE: 401 for a webhook, 400 for a ticket). */
    options: { status?: number } = {},
  ) {
    super(message);
    this.name = 'AppError';
    this.status = options.status ?? ERROR_STATUS[code];
  }
}
