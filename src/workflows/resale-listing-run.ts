import { ApplicationFailure, CancellationScope, allHandlersFinished, condition, isCancellation, sleep } from '@temporalio/workflow';
import type { ListingView, PurchaseRequest, PurchaseResult, ResaleListingInput, ResaleListingOutcome, WithdrawRequest } from '../domain/resale';
import { ListingState, type Refusal } from '../domain/resale-rules';
import { businessFailure, hasCode, refusalCause, unavailable } from './failures';
import { WorkflowMutex } from './mutex';
import {
  chargeResalePurchase,
  closeListingDurably,
  closeListingNow,
  openResaleListing,
  payOutResaleSeller,
  readResaleListing,
  refundResalePurchase,
  resolvePurchaseDurably,
  resolvePurchaseNow,
  sellResaleListing,
} from './resale-listing-activities';

function failure(r: Refusal): ApplicationFailure {
  return businessFailure(r.code, r.message, r.details);
}

/**
 * The side effects of one listing (src/workflows/resale-listing-workflow.ts runs it): opening it, a
 * buyer's charge, the sale, a refund when the sale cannot happen, the withdrawal or expiry, and the
 * seller's payout, each through an activity, with the rules of ListingState. Handlers take turns (a
 * mutex), and none that moves money can be cancelled half-way: of two buyers, the second is judged
 * after the first has bought or been declined, so one charge of a listing is ever in flight.
 */
export class ListingRun {
  readonly state: ListingState;
  private readonly mutex = new WorkflowMutex();
  private rejection: ApplicationFailure | null = null;
  private payoutId: string | null = null;

  constructor(private readonly input: ResaleListingInput) {
    this.state = new ListingState(input);
  }

  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    return CancellationScope.nonCancellable(() => this.mutex.runExclusive(fn));
  }

  // ----------------------------------------------------------------------------------------------
  // Life

  async answerOpen(): Promise<ListingView> {
    await condition(() => this.state.isOpened || this.rejection !== null);
    if (this.rejection) throw this.rejection;
    return this.state.current;
  }

  /** Opens the listing; a refused or failed opening ends the run (once the open update has answered). */
  async open(): Promise<void> {
    let view: ListingView;
    try {
      view = await openResaleListing({
        listingId: this.input.listingId,
        ticketId: this.input.ticketId,
        sellerId: this.input.sellerId,
        requesterId: this.input.requesterId,
        requesterRole: this.input.requesterRole,
        priceCents: this.input.priceCents,
      });
    } catch (err) {
      const refused = refusalCause(err);
      this.rejection = refused ?? unavailable(err);
      // No answer is not "nothing happened": an attempt may have committed after its reply was lost.
      if (!refused) await CancellationScope.nonCancellable(() => closeListingDurably({ listingId: this.input.listingId, status: 'WITHDRAWN', reason: 'NOT_OPENED' }));
      await condition(allHandlersFinished);
      throw this.rejection;
    }
    this.state.update(view);
  }

  /**
   * Sleeps on one durable timer until the event starts, while buyers and the seller act (updates) and
   * the door or a refund may close it (signal). The timer is left pending when the listing closes
   * first: the run's completion drops it.
   */
  async untilClosed(): Promise<void> {
    const timer = { due: false };
    const expiresAt = Date.parse(this.state.current.expires_at);
    new CancellationScope().run(() => sleep(Math.max(expiresAt - Date.now(), 1))).then(
      () => {
        timer.due = true;
      },
      (err: unknown) => {
        if (!isCancellation(err)) throw err;
      },
    );
    try {
      await condition(() => timer.due || !this.state.isListed());
    } catch (err) {
      if (!isCancellation(err)) throw err;
      // An operator cancelled the run: a purchase under way finishes first, then the listing is withdrawn.
      await this.exclusive(() => this.close('WITHDRAWN', 'OPERATOR'));
      return;
    }
    if (timer.due) await this.exclusive(() => this.close('EXPIRED', 'EXPIRED'));
    if (this.state.closedElsewhere) await this.exclusive(() => this.learnClosed());
  }

  /**
   * Before the run ends: running handlers finish, a charge whose outcome is still unknown is settled
   * (and refunded: the listing is closed), and a sold listing's seller is paid out, once.
   */
  async finish(): Promise<ResaleListingOutcome> {
    await condition(allHandlersFinished);
    await this.mutex.runExclusive(() => this.settleCharges('durably'));
    if (this.state.status() === 'SOLD') this.payoutId = (await payOutResaleSeller({ listingId: this.input.listingId })).payoutId;
    await condition(allHandlersFinished);
    return { listingId: this.input.listingId, status: this.state.status(), payoutId: this.payoutId };
  }

  // ----------------------------------------------------------------------------------------------
  // Handlers

  admitPurchase(request: PurchaseRequest): void {
    const refused = this.state.admitPurchase(request);
    if (refused) throw failure(refused);
  }

  admitWithdraw(): void {
    const refused = this.state.admitWithdraw();
    if (refused) throw failure(refused);
  }

  /**
   * A buyer's X-Idempotency-Key names one purchase attempt: a retry gets its final answer (bought,
   * declined, refused). The buyer who bought the listing gets their purchase again, whatever the key.
   */
  async purchase(request: PurchaseRequest): Promise<PurchaseResult> {
    this.state.countAction();
    const answered = this.state.answerFor(request);
    if (answered && !answered.ok) throw failure(answered.refusal);
    const bought = this.state.saleOf(request.buyerId);
    if (bought) return bought;
    try {
      const result = await this.buy(request);
      this.state.rememberAnswer(request, { ok: true });
      return result;
    } catch (err) {
      if (err instanceof ApplicationFailure && err.type) {
        const details = (err.details?.[0] ?? {}) as Record<string, unknown>;
        this.state.rememberAnswer(request, { ok: false, refusal: { code: err.type as Refusal['code'], message: err.message, details } });
      }
      throw err;
    }
  }

  async withdraw(request: WithdrawRequest): Promise<ListingView> {
    this.state.countAction();
    if (this.state.closedElsewhere) await this.learnClosed();
    if (this.state.status() === 'WITHDRAWN') return this.state.current;
    if (!this.state.isListed()) throw failure(this.state.unavailable());
    const view = await closeListingNow({ listingId: this.input.listingId, status: 'WITHDRAWN', reason: request.reason }).catch((err: unknown) => {
      throw unavailable(err);
    });
    if (view) this.state.update(view);
    if (this.state.status() !== 'WITHDRAWN') throw failure(this.state.unavailable());
    return this.state.current;
  }

  // ----------------------------------------------------------------------------------------------
  // Steps

  private async buy(request: PurchaseRequest): Promise<PurchaseResult> {
    // An earlier buyer's charge whose answer was lost is settled first: it may have bought the listing.
    await this.settleCharges('now');
    if (!this.state.isListed()) throw failure(this.state.unavailable());
    const chargeKey = this.state.nextChargeKey(request.buyerId);
    let purchaseId: string;
    try {
      ({ purchaseId } = await chargeResalePurchase({
        listingId: this.input.listingId,
        buyerId: request.buyerId,
        paymentMethodId: request.paymentMethodId,
        amountCents: this.state.current.price_cents,
        idempotencyKey: chargeKey,
      }));
    } catch (err) {
      const cause = refusalCause(err);
      if (cause) {
        // The provider answered (declined), or the charge was refused before it was sent.
        this.state.settled(chargeKey);
        if (cause.type === 'PAYMENT_DECLINED') throw this.declined(request.buyerId, (cause.details?.[0] ?? {}) as Record<string, unknown>);
        if (cause.type === 'LISTING_UNAVAILABLE') {
          await this.learnClosed();
          throw failure(this.state.unavailable());
        }
        throw cause;
      }
      // Timed out or failed after it may have been sent: unknown until settled by its key.
      let settled: { sold?: boolean; decline?: ApplicationFailure };
      try {
        settled = await this.settleCharge(chargeKey, 'now');
      } catch (unsettled) {
        throw unavailable(unsettled);
      }
      const mine = settled.sold ? this.state.saleOf(request.buyerId) : null;
      if (mine) return mine;
      if (settled.decline) throw settled.decline;
      throw unavailable(err);
    }
    this.state.settled(chargeKey);
    return this.completeSale(request.buyerId, purchaseId);
  }

  /** Money has been taken: it becomes the sale or, when the listing closed meanwhile, goes back. Never neither. */
  private async completeSale(buyerId: string, purchaseId: string): Promise<PurchaseResult> {
    let result: PurchaseResult;
    try {
      result = await sellResaleListing({ listingId: this.input.listingId, purchaseId });
    } catch (err) {
      if (!refusalCause(err)) throw err;
      await refundResalePurchase({ purchaseId });
      await this.learnClosed();
      throw businessFailure('LISTING_UNAVAILABLE', 'the listing closed before the sale; the payment was refunded', {
        refunded: true,
        listing_status: this.state.status(),
      });
    }
    this.state.soldTo(buyerId, result);
    return result;
  }

  private async settleCharges(mode: 'now' | 'durably'): Promise<void> {
    for (const chargeKey of this.state.unsettledCharges()) await this.settleCharge(chargeKey, mode);
  }

  /**
   * Asks the provider how a charge whose answer was lost ended; one that never happened is voided so
   * that it never can. Money taken becomes the sale if the listing is still listed, a refund otherwise.
   */
  private async settleCharge(chargeKey: string, mode: 'now' | 'durably'): Promise<{ sold?: boolean; decline?: ApplicationFailure }> {
    const resolve = mode === 'now' ? resolvePurchaseNow : resolvePurchaseDurably;
    const resolution = await resolve({ idempotencyKey: chargeKey });
    this.state.settled(chargeKey);
    const buyerId = ListingState.buyerOfKey(chargeKey);
    switch (resolution.status) {
      case 'SUCCEEDED':
        if (this.state.isListed()) {
          try {
            await this.completeSale(buyerId, resolution.purchaseId);
            return { sold: true };
          } catch (err) {
            if (hasCode(err, 'LISTING_UNAVAILABLE')) return {};
            throw err;
          }
        }
        await refundResalePurchase({ purchaseId: resolution.purchaseId });
        return {};
      case 'DECLINED':
        return { decline: this.declined(buyerId, { decline_code: resolution.declineCode }) };
      case 'VOIDED':
        return {};
    }
  }

  private declined(buyerId: string, details: Record<string, unknown>): ApplicationFailure {
    const remaining = this.state.decline(buyerId);
    return businessFailure('PAYMENT_DECLINED', 'the payment was declined; the listing is still for sale', {
      ...details,
      attempts_remaining: remaining,
      listing_status: this.state.status(),
    });
  }

  /** Closes a listing still listed; answered with it as PostgreSQL has it (it may have closed otherwise). */
  private async close(status: 'WITHDRAWN' | 'EXPIRED', reason: 'EXPIRED' | 'OPERATOR'): Promise<void> {
    if (!this.state.isListed()) return;
    const view = await closeListingDurably({ listingId: this.input.listingId, status, reason });
    if (view) this.state.update(view);
  }

  /** The listing was closed outside the workflow: its row says how. */
  private async learnClosed(): Promise<void> {
    this.state.update(await readResaleListing({ listingId: this.input.listingId }));
  }
}
