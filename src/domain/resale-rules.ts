/**
 * A resale listing's rules, apart from Temporal: the price cap and the fee, which purchase or
 * withdrawal a listing accepts now, which answer a repeated purchase gets, and the charge keys. The
 * listing workflow (src/workflows/resale-listing-workflow.ts) holds one ListingState and does the side
 * effects; everything here is plain and deterministic, so it is bundled with the workflow and unit
 * tested without a server (test/domain/resale-rules.test.ts).
 */
import type { ErrorCode } from './errors';
import type { ListingClosed, ListingStatus, ListingView, PurchaseRequest, PurchaseResult, ResaleListingInput } from './resale';

/**
 * Purchases and withdrawals one listing accepts in its life. Each accepted one adds about fifteen
 * events to the listing's history (refused ones add none: validators refuse before anything is
 * written), so the bound keeps a listing's history near 1,500 events, far below where Temporal
 * suggests continuing as new, however long the listing stays open: it never needs to.
 */
export const MAX_ACTIONS_PER_LISTING = 100;
/** Declined payments one buyer may have on one listing; a hold allows as many (MAX_PAYMENT_ATTEMPTS' default). */
export const MAX_DECLINES_PER_BUYER = 3;

/** The most a ticket may be listed for: a share of what its place first sold for, rounded down to the cent. */
export function resaleCapCents(faceValueCents: number, maxPricePercent: number): number {
  return Math.floor((faceValueCents * maxPricePercent) / 100);
}

/** The organiser's fee on a sale: a share of the price, rounded half up to the cent; the seller gets the rest. */
export function resaleFeeCents(priceCents: number, feePercent: number): number {
  return Math.floor((priceCents * feePercent + 50) / 100);
}

export interface Refusal {
  code: ErrorCode;
  message: string;
  details: Record<string, unknown>;
}

function refusal(code: ErrorCode, message: string, details: Record<string, unknown> = {}): Refusal {
  return { code, message, details };
}

/** The final answer a purchase's X-Idempotency-Key gets on every retry. */
export type PurchaseAnswer = { ok: true } | { ok: false; refusal: Refusal };

export class ListingState {
  private listing: ListingView | null = null;
  /** Who bought it, and what they were answered (a repeated request of theirs gets it again). */
  private sale: { buyerId: string; result: PurchaseResult } | null = null;
  private actions = 0;
  private readonly chargesSent = new Map<string, number>();
  private readonly declines = new Map<string, number>();
  /** Charge keys sent whose outcome is not known yet: settled before any new charge of the listing. */
  private readonly unsettled: string[] = [];
  private readonly answers = new Map<string, PurchaseAnswer>();
  /** How the listing was closed outside the workflow, if it was (a scan, a refund, a cancellation). */
  closedElsewhere: ListingClosed | null = null;

  constructor(readonly input: ResaleListingInput) {}

  get isOpened(): boolean {
    return this.listing !== null;
  }

  get current(): ListingView {
    if (!this.listing) throw new Error('the listing is not open yet');
    return this.listing;
  }

  get view(): ListingView | null {
    return this.listing;
  }

  status(): ListingStatus {
    return this.current.status;
  }

  isListed(): boolean {
    return this.listing?.status === 'LISTED' && this.closedElsewhere === null;
  }

  update(next: ListingView): void {
    this.listing = next;
  }

  soldTo(buyerId: string, result: PurchaseResult): void {
    this.sale = { buyerId, result };
    this.listing = result.listing;
  }

  saleOf(buyerId: string): PurchaseResult | null {
    return this.sale?.buyerId === buyerId ? this.sale.result : null;
  }

  /** A close reported from outside only ends a listing that is still listed: a sale stands. */
  closeElsewhere(closed: ListingClosed): void {
    if (this.listing?.status === 'SOLD' || this.closedElsewhere) return;
    this.closedElsewhere = closed;
  }

  /**
   * Refuses, before anything is written to history, a purchase the listing cannot take: the seller's
   * own, a listing no longer listed (unless this buyer bought it: they get their purchase again), or
   * past the listing's bounds. An accepted purchase is judged again when its turn comes.
   */
  admitPurchase(request: PurchaseRequest): Refusal | null {
    if (request.buyerId === this.input.sellerId) return refusal('OWN_LISTING', 'this is your own listing; withdraw it instead');
    if (!this.listing) return refusal('LISTING_UNAVAILABLE', 'the listing is not open yet');
    if (this.answerFor(request)) return null;
    if (this.saleOf(request.buyerId)) return null;
    if (!this.isListed()) return this.unavailable();
    if (this.actions >= MAX_ACTIONS_PER_LISTING) {
      return refusal('RATE_LIMITED', `a listing takes at most ${MAX_ACTIONS_PER_LISTING} purchase attempts`, { retry_after_seconds: 60 });
    }
    if ((this.declines.get(request.buyerId) ?? 0) >= MAX_DECLINES_PER_BUYER) {
      return refusal('RATE_LIMITED', `at most ${MAX_DECLINES_PER_BUYER} declined payments per buyer and listing`, { retry_after_seconds: 60 });
    }
    return null;
  }

  /** A withdrawal of a sold or expired listing is refused; of a withdrawn one, answered as it is. */
  admitWithdraw(): Refusal | null {
    if (!this.listing) return refusal('LISTING_UNAVAILABLE', 'the listing is not open yet');
    if (this.listing.status === 'WITHDRAWN' || this.closedElsewhere) return null;
    if (this.listing.status !== 'LISTED') return this.unavailable();
    if (this.actions >= MAX_ACTIONS_PER_LISTING) {
      return refusal('RATE_LIMITED', `a listing takes at most ${MAX_ACTIONS_PER_LISTING} actions`, { retry_after_seconds: 60 });
    }
    return null;
  }

  countAction(): void {
    this.actions += 1;
  }

  unavailable(): Refusal {
    const status = this.closedElsewhere ? this.closedElsewhere.status : this.current.status;
    return refusal('LISTING_UNAVAILABLE', `the listing is ${status}`, { listing_status: status });
  }

  /** The answer a purchase with this buyer's key already got, if it was final. */
  answerFor(request: PurchaseRequest): PurchaseAnswer | undefined {
    return request.idempotencyKey ? this.answers.get(`${request.buyerId}:${request.idempotencyKey}`) : undefined;
  }

  /** A 503 is not final: the same key may be retried. Everything else is kept. */
  rememberAnswer(request: PurchaseRequest, answer: PurchaseAnswer): void {
    if (!request.idempotencyKey) return;
    if (!answer.ok && answer.refusal.code === 'UNAVAILABLE') return;
    this.answers.set(`${request.buyerId}:${request.idempotencyKey}`, answer);
  }

  /** One key per charge, from the listing, the buyer and their attempt: a retried activity reuses it. */
  nextChargeKey(buyerId: string): string {
    const n = (this.chargesSent.get(buyerId) ?? 0) + 1;
    this.chargesSent.set(buyerId, n);
    const key = `${this.input.listingId}:${buyerId}:charge:${n}`;
    this.unsettled.push(key);
    return key;
  }

  settled(chargeKey: string): void {
    const index = this.unsettled.indexOf(chargeKey);
    if (index >= 0) this.unsettled.splice(index, 1);
  }

  unsettledCharges(): string[] {
    return [...this.unsettled];
  }

  /** The buyer a charge key belongs to. */
  static buyerOfKey(chargeKey: string): string {
    return chargeKey.split(':')[1] ?? '';
  }

  decline(buyerId: string): number {
    const declined = (this.declines.get(buyerId) ?? 0) + 1;
    this.declines.set(buyerId, declined);
    return Math.max(MAX_DECLINES_PER_BUYER - declined, 0);
  }
}
