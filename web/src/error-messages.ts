import { ApiError } from './api/client';
import type { ErrorCode } from './api/types';
import { formatMoney } from './format';

/**
 * Every contract error code in words a fan understands: the one place the page turns an API refusal
 * into a sentence. Typed against the API's own list, so a new code fails the web type check here.
 */
const FAN_WORDS: Record<ErrorCode, string> = {
  VALIDATION_ERROR: 'Something in the form is not right.',
  INVALID_SIGNATURE: 'This code is not a genuine ticket.',
  UNAUTHENTICATED: 'Please log in to continue.',
  INVALID_CREDENTIALS: 'That email and password do not match an account.',
  PAYMENT_DECLINED: 'Your card was declined and nothing was charged. Your seats are still held: try another card.',
  FORBIDDEN: 'Your account cannot do that.',
  QUEUE_TOKEN_REQUIRED: 'This sale goes through the waiting room. Wait for your turn, then pick your seats.',
  QUEUE_TOKEN_USED: 'Your turn in the waiting room was for one purchase, and you have made it.',
  HOLD_ALREADY_OPEN: 'You already hold tickets for this event: finish or cancel that hold first.',
  PRESALE_CODE_REQUIRED: 'Only presale code holders can buy right now.',
  NOT_FOUND: 'We could not find that. It may have been removed.',
  EVENT_NOT_FOUND: 'We could not find this event.',
  METHOD_NOT_ALLOWED: 'The page asked for something the server does not do. Please reload.',
  EMAIL_TAKEN: 'There is already an account with this email. Log in instead.',
  SEATS_UNAVAILABLE: 'Someone got there first: a seat you picked was just taken. Pick another one.',
  INSUFFICIENT_INVENTORY: 'There are not that many tickets left in this section.',
  EVENT_NOT_ON_SALE: 'Tickets for this event are not on sale.',
  NOT_ON_SALE_YET: 'Tickets for this event are not on sale yet.',
  PRESALE_LIMIT_EXCEEDED: 'You have reached the presale limit of tickets for this event.',
  RESERVATION_EXPIRED: 'Your hold ran out and the seats went back on sale. Pick them again if they are still free.',
  RESERVATION_CANCELLED: 'This hold was cancelled and the seats went back on sale.',
  RESERVATION_CONFIRMED: 'This order is already paid.',
  RESERVATION_NOT_ACTIVE: 'This hold is no longer active.',
  EXTENSION_LIMIT: 'You have used all the extra time this event allows. Pay now to keep your seats.',
  ALREADY_USED: 'This ticket has already been scanned.',
  WRONG_EVENT: 'This ticket is for another event.',
  TICKET_CANCELLED: 'This ticket was cancelled (its order was refunded).',
  TICKET_TRANSFERRED: 'This ticket was passed to someone else; only their new ticket is valid.',
  TICKET_RESOLD: 'This ticket was sold on resale; only the buyer\'s new ticket is valid.',
  RESALE_NOT_ALLOWED: 'Tickets for this event cannot be resold (the organiser does not allow it, or the event has started).',
  TICKET_NOT_ACTIVE: 'Only a valid ticket that has not been used, passed on or refunded can be sold.',
  ALREADY_LISTED: 'This ticket is already for sale. Withdraw that listing first.',
  LISTING_UNAVAILABLE: 'This ticket is no longer for sale: someone else bought it, or the seller withdrew it.',
  OWN_LISTING: 'This is your own ticket for sale. You can withdraw it from My tickets.',
  REFUND_NOT_POSSIBLE: 'This order cannot be refunded automatically. Please contact us.',
  NO_WAITING_ROOM: 'This event has no waiting room: you can pick seats straight away.',
  TICKETS_AVAILABLE: 'Tickets are available: you can buy them now.',
  ALREADY_ON_WAITLIST: 'You are already on the waiting list for this event.',
  PAYMENT_IN_PROGRESS: 'Your previous payment is still being processed. Wait a moment before trying again.',
  PAYMENT_NOT_CAPTURED: 'The payment did not go through. Nothing was charged; please try again.',
  IDEMPOTENCY_KEY_REUSED: 'That request was already sent with different details. Please try again.',
  PRICE_ABOVE_CAP: 'That price is above what the organiser allows for this ticket.',
  PAYLOAD_TOO_LARGE: 'That is too much to send at once.',
  RATE_LIMITED: 'Too many tries in a short time. Please wait a moment.',
  INTERNAL: 'Something went wrong on our side. Please try again.',
  UNAVAILABLE: 'We are having a hiccup and nothing was changed. Please try again in a moment.',
};

const NO_ANSWER = 'We could not reach the server. Check your connection and try again.';

function fieldProblems(details: unknown): string {
  if (!Array.isArray(details)) return '';
  const fields = details.flatMap((d: { field?: unknown }) => (typeof d.field === 'string' ? [d.field.replace(/_/g, ' ')] : []));
  return fields.length ? ` Check: ${[...new Set(fields)].join(', ')}.` : '';
}

/** What to tell the fan about a failed action; details the API gave make it more precise. */
export function fanMessage(err: unknown): string {
  if (!(err instanceof ApiError)) return FAN_WORDS.INTERNAL;
  if (err.code === 'NETWORK') return NO_ANSWER;
  const words = (FAN_WORDS as Record<string, string>)[err.code] ?? FAN_WORDS.INTERNAL;
  switch (err.code) {
    case 'VALIDATION_ERROR':
      return words + fieldProblems(err.body.details);
    case 'INSUFFICIENT_INVENTORY':
      return typeof err.body.available === 'number' ? `${words} Only ${err.body.available} left.` : words;
    case 'PRICE_ABOVE_CAP':
      return typeof err.body.max_price_cents === 'number' ? `${words} The most you can ask is ${formatMoney(err.body.max_price_cents)}.` : words;
    case 'RATE_LIMITED':
      return err.retryAfterSeconds ? `${words} You can try again in ${err.retryAfterSeconds} s.` : words;
    default:
      return words;
  }
}

export const isCode = (err: unknown, code: ErrorCode): boolean => err instanceof ApiError && err.code === code;
