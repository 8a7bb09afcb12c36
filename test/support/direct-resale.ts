import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { AppError } from '../../src/domain/errors';
import type { ListingView } from '../../src/domain/resale';
import type { PaymentProvider } from '../../src/payments/provider';
import { closeListing } from '../../src/resale/close-listing';
import { checkListable, openListing, type ListingRequest } from '../../src/resale/open-listing';
import { payOutOnce } from '../../src/resale/payouts';
import { chargePurchaseOnce, refundPurchaseOnce } from '../../src/resale/purchases';
import { sellListing, type SaleOfListing } from '../../src/resale/sell-listing';
import { signTicket } from './direct-sales';

/**
 * One resale listing, lived as its workflow lives it (src/workflows/resale-listing-run.ts) but straight
 * through the resale functions: opened (judged first without locks, as the API does, then under them);
 * a buyer charged, then the sale, or the charge refunded when the sale is refused; the seller paid out
 * once it is sold; the seller's withdrawal. Purchases and the withdrawal take turns, as the workflow's
 * handlers do (its mutex: one charge of a listing in flight at a time); the door, an order's refund
 * and the event's cancellation close it without waiting for a turn, as they do in PostgreSQL.
 */
export class DirectListing {
  /** Known before its row exists, as the workflow's id is: a fan can find the row as soon as it commits. */
  readonly id = randomUUID();
  private turn: Promise<unknown> = Promise.resolve();
  private readonly chargesSent = new Map<string, number>();

  private constructor(
    private readonly pool: Pool,
    private readonly provider: PaymentProvider,
    private readonly request: ListingRequest & { sellerId: string },
  ) {}

  /** The API's judgement, without locks (most refusals end here); the listing is then opened with open(). */
  static async requested(pool: Pool, provider: PaymentProvider, request: ListingRequest): Promise<DirectListing> {
    const terms = await checkListable(pool, request);
    return new DirectListing(pool, provider, { ...request, sellerId: terms.sellerId });
  }

  get sellerId(): string {
    return this.request.sellerId;
  }

  /** The workflow's first step: judged again under the locks, and on sale once it commits. */
  async open(): Promise<ListingView> {
    return openListing(this.pool, { ...this.request, listingId: this.id });
  }

  /** A buyer pays, and the listing is theirs; a sale refused after the charge gives the money back. */
  async purchase(buyerId: string): Promise<SaleOfListing> {
    if (buyerId === this.sellerId) throw new AppError('OWN_LISTING', 'this is your own listing; withdraw it instead');
    const sale = await this.inTurn(() => this.buy(buyerId));
    // As the workflow's finish: once sold, the seller is paid, once.
    await payOutOnce(this.pool, this.provider, this.id);
    return sale;
  }

  async withdraw(): Promise<ListingView> {
    return this.inTurn(async () => {
      const view = await closeListing(this.pool, this.id, 'WITHDRAWN', 'SELLER');
      if (view.status !== 'WITHDRAWN') throw new AppError('LISTING_UNAVAILABLE', `the listing is ${view.status}`, { listing_status: view.status });
      return view;
    });
  }

  private async buy(buyerId: string): Promise<SaleOfListing> {
    const { purchaseId } = await chargePurchaseOnce(this.pool, this.provider, {
      listingId: this.id,
      buyerId,
      paymentMethodId: 'pm_card_visa',
      amountCents: this.request.priceCents,
      idempotencyKey: this.nextChargeKey(buyerId),
    });
    try {
      return await sellListing(this.pool, signTicket, { listingId: this.id, purchaseId });
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      const refund = await refundPurchaseOnce(this.pool, this.provider, purchaseId);
      if (!refund.refunded) throw new Error(`a refused sale's charge was not refunded: ${refund.reason}`, { cause: err });
      throw err;
    }
  }

  /** The workflow's key for a buyer's next charge of this listing. */
  private nextChargeKey(buyerId: string): string {
    const n = (this.chargesSent.get(buyerId) ?? 0) + 1;
    this.chargesSent.set(buyerId, n);
    return `${this.id}:${buyerId}:charge:${n}`;
  }

  private inTurn<T>(fn: () => Promise<T>): Promise<T> {
    const mine = this.turn.then(fn);
    this.turn = mine.catch(() => undefined);
    return mine;
  }
}
