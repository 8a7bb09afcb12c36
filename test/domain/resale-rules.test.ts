import type { ListingView, PurchaseRequest, PurchaseResult, ResaleListingInput } from '../../src/domain/resale';
import { ListingState, MAX_ACTIONS_PER_LISTING, MAX_DECLINES_PER_BUYER, resaleCapCents, resaleFeeCents } from '../../src/domain/resale-rules';

const input: ResaleListingInput = { listingId: 'l-1', ticketId: 't-1', sellerId: 'seller', requesterId: 'seller', requesterRole: 'user', priceCents: 9000 };

function view(patch: Partial<ListingView> = {}): ListingView {
  return {
    listing_id: 'l-1', ticket_id: 't-1', event_id: 'e-1', section_id: 's-1', seat_id: null, section_name: 'Lawn', row: null, number: null,
    face_value_cents: 10000, price_cents: 9000, fee_cents: 900, seller_payout_cents: 8100, status: 'LISTED',
    listed_at: '2026-12-04T12:00:00.000Z', expires_at: '2027-01-04T20:00:00.000Z', closed_at: null, ...patch,
  };
}

function listed(): ListingState {
  const state = new ListingState(input);
  state.update(view());
  return state;
}

const buyer = (buyerId: string, idempotencyKey: string | null = null): PurchaseRequest => ({ buyerId, paymentMethodId: 'pm_card_visa', idempotencyKey });
const sale = (): PurchaseResult => ({
  listing: view({ status: 'SOLD', closed_at: '2026-12-05T12:00:00.000Z' }),
  ticket: { ticket_id: 't-2', order_id: 'o-1', event_id: 'e-1', seat_id: null, section_id: 's-1', owner_id: 'anna', status: 'ACTIVE', qr_code: 'TKT2.x.y' },
});

describe('the price cap and the fee', () => {
  test("the cap is the event's share of the face value, rounded down to the cent", () => {
    expect(resaleCapCents(35000, 90)).toBe(31500);
    expect(resaleCapCents(999, 33)).toBe(329);
    expect(resaleCapCents(5000, 100)).toBe(5000);
    expect(resaleCapCents(5000, 0)).toBe(0);
  });

  test("the fee is the organiser's share of the price, rounded half up to a whole cent, never more than the price", () => {
    expect(resaleFeeCents(31500, 10)).toBe(3150);
    expect(resaleFeeCents(1235, 10)).toBe(124);
    expect(resaleFeeCents(1234, 10)).toBe(123);
    expect(resaleFeeCents(0, 20)).toBe(0);
    expect(resaleFeeCents(999, 0)).toBe(0);
    for (const [price, percent] of [[1, 20], [7, 15], [123_457, 20], [100_000_000, 20]] as const) {
      const fee = resaleFeeCents(price, percent);
      expect(Number.isInteger(fee)).toBe(true);
      expect(Math.abs(fee - (price * percent) / 100)).toBeLessThanOrEqual(0.5);
      expect(price - fee).toBeGreaterThanOrEqual(0);
    }
  });
});

describe("a listing's rules", () => {
  test('before it is open, every purchase and withdrawal is refused as unavailable', () => {
    const state = new ListingState(input);
    expect(state.admitPurchase(buyer('anna'))?.code).toBe('LISTING_UNAVAILABLE');
    expect(state.admitWithdraw()?.code).toBe('LISTING_UNAVAILABLE');
  });

  test('the seller cannot buy their own listing; anyone else may, while it is listed', () => {
    const state = listed();
    expect(state.admitPurchase(buyer('seller'))?.code).toBe('OWN_LISTING');
    expect(state.admitPurchase(buyer('anna'))).toBeNull();
    expect(state.admitWithdraw()).toBeNull();
  });

  test('once sold, its buyer is answered again and everyone else is refused; it can no longer be withdrawn', () => {
    const state = listed();
    state.soldTo('anna', sale());
    expect(state.admitPurchase(buyer('anna'))).toBeNull();
    expect(state.saleOf('anna')?.ticket.ticket_id).toBe('t-2');
    expect(state.saleOf('bruno')).toBeNull();
    expect(state.admitPurchase(buyer('bruno'))).toMatchObject({ code: 'LISTING_UNAVAILABLE', details: { listing_status: 'SOLD' } });
    expect(state.admitWithdraw()?.code).toBe('LISTING_UNAVAILABLE');
  });

  test('closed by the door or a refund, it refuses purchases and answers a withdrawal as it is; a sale is never undone by such news', () => {
    const closed = listed();
    closed.closeElsewhere({ status: 'WITHDRAWN', reason: 'SCANNED' });
    expect(closed.isListed()).toBe(false);
    expect(closed.admitPurchase(buyer('anna'))).toMatchObject({ code: 'LISTING_UNAVAILABLE', details: { listing_status: 'WITHDRAWN' } });
    expect(closed.admitWithdraw()).toBeNull();

    const sold = listed();
    sold.soldTo('anna', sale());
    sold.closeElsewhere({ status: 'WITHDRAWN', reason: 'ORDER_REFUNDED' });
    expect(sold.closedElsewhere).toBeNull();
    expect(sold.status()).toBe('SOLD');
  });

  test(`a buyer is refused after ${MAX_DECLINES_PER_BUYER} declines on one listing; other buyers are not`, () => {
    const state = listed();
    for (let i = 0; i < MAX_DECLINES_PER_BUYER; i++) {
      expect(state.admitPurchase(buyer('anna'))).toBeNull();
      expect(state.decline('anna')).toBe(MAX_DECLINES_PER_BUYER - i - 1);
    }
    expect(state.admitPurchase(buyer('anna'))?.code).toBe('RATE_LIMITED');
    expect(state.admitPurchase(buyer('bruno'))).toBeNull();
  });

  test(`a listing takes at most ${MAX_ACTIONS_PER_LISTING} actions, which bounds its history`, () => {
    const state = listed();
    for (let i = 0; i < MAX_ACTIONS_PER_LISTING; i++) state.countAction();
    expect(state.admitPurchase(buyer('anna'))).toMatchObject({ code: 'RATE_LIMITED', details: { retry_after_seconds: 60 } });
    expect(state.admitWithdraw()?.code).toBe('RATE_LIMITED');
  });

  test("a purchase key's final answer is kept for that buyer only; a 503 is not final", () => {
    const state = listed();
    const declined = { ok: false as const, refusal: { code: 'PAYMENT_DECLINED' as const, message: 'declined', details: {} } };
    state.rememberAnswer(buyer('anna', 'k-1'), declined);
    state.rememberAnswer(buyer('anna', 'k-2'), { ok: false, refusal: { code: 'UNAVAILABLE', message: 'later', details: {} } });
    state.rememberAnswer(buyer('anna', null), declined);
    expect(state.answerFor(buyer('anna', 'k-1'))).toEqual(declined);
    expect(state.answerFor(buyer('bruno', 'k-1'))).toBeUndefined();
    expect(state.answerFor(buyer('anna', 'k-2'))).toBeUndefined();
    expect(state.answerFor(buyer('anna', null))).toBeUndefined();
  });

  test('each charge has its own key from the listing, the buyer and the attempt, and stays unsettled until its outcome is known', () => {
    const state = listed();
    const first = state.nextChargeKey('anna');
    const second = state.nextChargeKey('anna');
    const other = state.nextChargeKey('bruno');
    expect([first, second, other]).toEqual(['l-1:anna:charge:1', 'l-1:anna:charge:2', 'l-1:bruno:charge:1']);
    expect(ListingState.buyerOfKey(other)).toBe('bruno');
    state.settled(first);
    expect(state.unsettledCharges()).toEqual([second, other]);
  });
});
