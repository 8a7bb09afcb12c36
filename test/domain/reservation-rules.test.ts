import { MAX_ACTIONS_PER_RESERVATION, ReservationState } from '../../src/domain/reservation-rules';
import type { ReservationInput, ReservationView } from '../../src/domain/reservation';

const T0 = Date.parse('2026-12-04T12:00:00Z');

function input(overrides: Partial<ReservationInput> = {}): ReservationInput {
  return {
    reservationId: 'r-1', eventId: 'e-1', userId: 'u-1', seatIds: ['s-1'], ga: [],
    holdSeconds: 600, extensionSeconds: 600, maxExtensions: 1, paymentGraceSeconds: 60, maxPaymentAttempts: 3,
    idempotencyKey: null, ...overrides,
  };
}

function view(patch: Partial<ReservationView> = {}): ReservationView {
  return {
    reservation_id: 'r-1', event_id: 'e-1', user_id: 'u-1', status: 'HELD', seats: [], ga: [], total_price_cents: 5000,
    held_until: new Date(T0 + 600_000).toISOString(), extensions_used: 0, max_hold_extensions: 1, payment_attempts: 0,
    order_id: null, tickets: [], release_reason: null, created_at: '', updated_at: '', ...patch,
  };
}

function held(overrides: Partial<ReservationInput> = {}, patch: Partial<ReservationView> = {}): ReservationState {
  const state = new ReservationState(input(overrides), T0);
  state.update(view(patch));
  return state;
}

describe('a reservation’s rules', () => {
  test('before the hold is made every action is refused as not active yet', () => {
    const state = new ReservationState(input(), T0);
    expect(state.admit('confirm', T0, false)?.code).toBe('RESERVATION_NOT_ACTIVE');
    expect(state.deadline).toBe(T0 + 600_000);
  });

  test('a held reservation takes a confirm, an extension and a cancel before its deadline', () => {
    const state = held();
    expect(state.admit('confirm', T0 + 1000, false)).toBeNull();
    expect(state.admit('extend', T0 + 1000, false)).toBeNull();
    expect(state.admit('cancel', T0 + 1000, false)).toBeNull();
  });

  test('past the deadline an action is refused as expired, unless another action is running (it may have moved the deadline)', () => {
    const state = held();
    expect(state.admit('confirm', T0 + 600_000, false)?.code).toBe('RESERVATION_EXPIRED');
    expect(state.admit('confirm', T0 + 600_000, true)).toBeNull();
  });

  test('a closed reservation refuses with its own code, and a repeated cancel or confirm of a finished one is answered, not refused', () => {
    expect(held({}, { status: 'CANCELLED', release_reason: 'CANCELLED_BY_USER' }).admit('confirm', T0, false)).toMatchObject({
      code: 'RESERVATION_CANCELLED', details: { release_reason: 'CANCELLED_BY_USER' },
    });
    expect(held({}, { status: 'CANCELLED' }).admit('cancel', T0, false)).toBeNull();
    expect(held({}, { status: 'CONFIRMED' }).admit('confirm', T0, false)).toBeNull();
    expect(held({}, { status: 'CONFIRMED' }).admit('cancel', T0, false)?.code).toBe('RESERVATION_CONFIRMED');
    expect(held({}, { status: 'EXPIRED' }).admit('extend', T0, false)?.code).toBe('RESERVATION_EXPIRED');
  });

  test('an extension beyond max_hold_extensions is refused with the limit in its details; one within moves the deadline by the event’s hold duration', () => {
    const state = held({ maxExtensions: 1 });
    expect(state.canExtend()).toBe(true);
    expect(state.extendedDeadline()).toBe(T0 + 1_200_000);
    state.update(view({ extensions_used: 1 }));
    expect(state.admit('extend', T0, false)).toMatchObject({ code: 'EXTENSION_LIMIT', details: { max_hold_extensions: 1 } });
  });

  test(`after ${MAX_ACTIONS_PER_RESERVATION} actions every further one is rate limited`, () => {
    const state = held();
    for (let i = 0; i < MAX_ACTIONS_PER_RESERVATION; i++) {
      expect(state.admit('extend', T0, false)).toBeNull();
      state.countAction();
    }
    expect(state.admit('cancel', T0, false)).toMatchObject({ code: 'RATE_LIMITED', details: { retry_after_seconds: 60 } });
  });

  test('a payment in the last seconds keeps the hold for the grace, once; one with time to spare leaves the deadline alone', () => {
    const state = held();
    expect(state.grantPaymentGrace(T0 + 1000)).toBeNull();
    expect(state.grantPaymentGrace(T0 + 590_000)).toBe(T0 + 650_000);
    state.setDeadline(T0 + 650_000);
    // Confirming again near the new deadline does not renew it.
    expect(state.grantPaymentGrace(T0 + 640_000)).toBeNull();
  });

  test('every charge started is an attempt, whatever its outcome; the attempts allowed are a bound', () => {
    const state = held({ maxPaymentAttempts: 3 });
    expect(state.attemptsExhausted()).toBe(false);
    state.nextChargeKey();
    state.nextChargeKey();
    expect(state.attemptsMade()).toBe(2);
    expect(state.attemptsExhausted()).toBe(false);
    state.nextChargeKey();
    expect(state.attemptsExhausted()).toBe(true);
    // The ledger's count (charges the provider saw) wins when it is ahead.
    expect(held({ maxPaymentAttempts: 3 }, { payment_attempts: 3 }).attemptsExhausted()).toBe(true);
  });

  test('a confirm key keeps its final answer, but a 503 is not final and the same key may pay later', () => {
    const state = held();
    state.rememberAnswer('k1', { ok: false, refusal: { code: 'UNAVAILABLE', message: 'down', details: {} } });
    expect(state.answerFor('k1')).toBeUndefined();
    state.rememberAnswer('k1', { ok: false, refusal: { code: 'PAYMENT_DECLINED', message: 'no', details: {} } });
    expect(state.answerFor('k1')).toMatchObject({ ok: false, refusal: { code: 'PAYMENT_DECLINED' } });
    expect(state.admit('confirm', T0, false, { paymentMethodId: 'pm', idempotencyKey: 'k1' })).toBeNull();
    state.rememberAnswer(null, { ok: true });
    expect(state.answerFor(null)).toBeUndefined();
  });

  test('each charge has its own key, derived from the reservation, and stays unsettled until settled', () => {
    const state = held();
    const first = state.nextChargeKey();
    const second = state.nextChargeKey();
    expect([first, second]).toEqual(['r-1:charge:1', 'r-1:charge:2']);
    state.settled(first);
    expect(state.unsettledCharges()).toEqual([second]);
  });

  test('a decline reports the attempts made and those left; the last one allowed releases; the ledger’s count wins when ahead', () => {
    const state = held({ maxPaymentAttempts: 3 }, { payment_attempts: 2 });
    expect(state.decline({})).toEqual({ attempts: 2, remaining: 1, releases: false });
    expect(state.decline({ payment_attempts: 3 })).toEqual({ attempts: 3, remaining: 0, releases: true });
    expect(state.declineRefusal({ decline_code: 'card_declined' }, 3, 0)).toMatchObject({
      code: 'PAYMENT_DECLINED', details: { decline_code: 'card_declined', payment_attempts: 3, attempts_remaining: 0, reservation_status: 'HELD' },
    });
  });

  test('a provider notification is taken once per payment and status', () => {
    const state = held();
    const paid = { paymentId: 'p-1', status: 'succeeded' as const, amountCents: 5000 };
    expect(state.receive(paid)).toBe(true);
    expect(state.receive(paid)).toBe(false);
    expect(state.receive({ ...paid, status: 'failed' })).toBe(true);
    expect(state.takeNotifications()).toHaveLength(2);
    expect(state.notifications).toHaveLength(0);
  });

  test('reported money becomes the sale only while held, in time and for the exact amount; otherwise it goes back', () => {
    const state = held();
    const paid = { paymentId: 'p-1', status: 'succeeded' as const, amountCents: 5000 };
    const mine = { state: 'CAPTURED', reservationId: 'r-1' };
    expect(state.disposition(paid, mine, T0 + 1000)).toBe('SELL');
    expect(state.disposition({ ...paid, amountCents: 4999 }, mine, T0 + 1000)).toBe('REFUND');
    expect(state.disposition(paid, mine, T0 + 600_000)).toBe('REFUND');
    expect(state.disposition(paid, { state: 'CAPTURED', reservationId: 'r-2' }, T0)).toBe('IGNORE');
    expect(state.disposition(paid, { state: 'REFUNDED', reservationId: 'r-1' }, T0)).toBe('SKIP');
    expect(state.disposition(paid, { state: 'SOLD', reservationId: 'r-1' }, T0)).toBe('RESUME_SALE');
    expect(held({}, { status: 'EXPIRED' }).disposition(paid, { state: 'SOLD', reservationId: 'r-1' }, T0)).toBe('SKIP');
  });
});
