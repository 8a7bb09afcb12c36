import {
  ApplicationFailure,
  CancellationScope,
  allHandlersFinished,
  condition,
  isCancellation,
  log,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { ConfirmRequest, HoldRequest, PaymentNotification, ReservationInput, ReservationStatus, ReservationView } from '../domain/reservation';
import { ReservationState, type Closing, type Refusal, type ReservationAction } from '../domain/reservation-rules';
import type { HoldResult } from './definitions';
import { ReservationStatusKey } from './definitions';
import { businessFailure, hasCode, refusalCause, unavailable } from './failures';
import { WorkflowMutex } from './mutex';
import {
  abandonHold,
  adoptOfferHold,
  chargePayment,
  extendHold,
  holdInventory,
  recordProviderPayment,
  refundPayment,
  releaseInventory,
  resolveChargeDurably,
  resolveChargeNow,
  sellHold,
} from './reservation-activities';

type Compensation = (closing: Closing) => Promise<void>;
type ChargeSettlement = { status: 'SOLD' | 'REFUNDED' | 'DECLINED' | 'VOIDED'; decline?: ApplicationFailure };

function failure(r: Refusal): ApplicationFailure {
  return businessFailure(r.code, r.message, r.details);
}

/**
 * The side effects of one reservation (src/workflows/reservation-workflow.ts runs it): the hold, the
 * payment, the sale, the release, each through an activity, with the rules of ReservationState.
 * Compensations (release, refund) are pushed as steps succeed and run in reverse; handlers take turns
 * (a mutex), and none that moves money or inventory can be cancelled half-way.
 */
export class ReservationRun {
  readonly state: ReservationState;
  private readonly mutex = new WorkflowMutex();
  private readonly compensations: Compensation[] = [];
  private rejection: ApplicationFailure | null = null;
  private firstHoldRequest: string | null = null;
  private expiryTimer: { at: number; due: boolean; scope: CancellationScope | null } = { at: 0, due: false, scope: null };

  constructor(private readonly input: ReservationInput) {
    this.state = new ReservationState(input, Date.now());
  }

  // ----------------------------------------------------------------------------------------------
  // Handlers

  /** Handlers take turns, and none is interrupted by an operator's cancel once it has started. */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    return CancellationScope.nonCancellable(() => this.mutex.runExclusive(fn));
  }

  validateHold({ requestHash }: HoldRequest): void {
    if (this.input.requestHash && requestHash && requestHash !== this.input.requestHash) {
      throw businessFailure('IDEMPOTENCY_KEY_REUSED', 'this X-Idempotency-Key was already used with a different request body');
    }
  }

  async answerHold({ requestId }: HoldRequest): Promise<HoldResult> {
    this.firstHoldRequest ??= requestId;
    await condition(() => this.state.hasHold || this.rejection !== null);
    if (this.rejection) throw this.rejection;
    return { reservation: this.state.current, created: this.firstHoldRequest === requestId };
  }

  admit(action: ReservationAction, request?: ConfirmRequest): void {
    const refused = this.state.admit(action, Date.now(), this.mutex.isLocked, request);
    if (refused) throw failure(refused);
  }

  receive(notification: PaymentNotification): void {
    if (!this.state.receive(notification)) return;
    // Logged here, not where it is handled: only here is the log line still under the request id of
    // the webhook that delivered it (an update handled in the same task would lend it its own).
    if (notification.status !== 'succeeded') log.warn('provider reported a failed payment', { reservationId: this.input.reservationId, ...notification });
  }

  // ----------------------------------------------------------------------------------------------
  // Life

  /** Holds the inventory; a refused or failed hold ends the run (once the hold update has answered). */
  async hold(): Promise<void> {
    let view: ReservationView;
    const holdStep = this.input.adoptsOffer ? adoptOfferHold : holdInventory;
    try {
      view = await holdStep({
        reservationId: this.input.reservationId,
        eventId: this.input.eventId,
        userId: this.input.userId,
        seatIds: this.input.seatIds,
        ga: this.input.ga,
        heldUntil: new Date(this.state.deadline).toISOString(),
        maxExtensions: this.input.maxExtensions,
        idempotencyKey: this.input.idempotencyKey,
        requestHash: this.input.requestHash ?? null,
        queueTokenId: this.input.queueTokenId ?? null,
      });
    } catch (err) {
      const refused = refusalCause(err);
      this.rejection = refused ?? unavailable(err);
      this.publishStatus('REJECTED');
      // No answer is not "nothing happened": an attempt may have committed after its reply was lost.
      if (!refused) await CancellationScope.nonCancellable(() => abandonHold({ reservationId: this.input.reservationId }));
      await condition(allHandlersFinished);
      throw this.rejection;
    }
    this.state.update(view);
    this.compensations.push(async (closing) => {
      this.setView(await releaseInventory({ reservationId: this.input.reservationId, ...closing }));
    });
    this.state.setDeadline(Date.parse(view.held_until));
  }

  /** Sleeps until the deadline, a moved deadline or a notification, and acts on it, while the hold is open. */
  async untilClosed(): Promise<void> {
    while (this.state.isOpen()) {
      this.armExpiryTimer();
      const seen = this.state.deadlineMoves;
      await condition(() => this.expiryTimer.due || this.state.deadlineMoves !== seen || this.state.notifications.length > 0 || !this.state.isOpen());
      if (this.state.notifications.length > 0) await this.exclusive(() => this.handleNotifications());
      else if (this.expiryTimer.due) {
        await this.exclusive(() => this.expireIfDue());
        this.expiryTimer.at = 0;
      }
    }
  }

  /** An operator cancelled the workflow: a payment in progress finishes first, then the hold is released. */
  async cancelledByOperator(): Promise<void> {
    await CancellationScope.nonCancellable(async () => {
      await this.mutex.runExclusive(async () => {
        if (this.state.isOpen()) await this.close({ status: 'CANCELLED', reason: 'CANCELLED_BY_OPERATOR' });
      });
      await this.finish();
    });
  }

  /**
   * Before the run ends: payments reported while the hold was closing are refunded, running handlers
   * finish, and a charge whose outcome is still unknown is settled (and refunded if it took money).
   */
  async finish(): Promise<void> {
    // A payment reported while the charges were being settled (which may take long: the provider may be
    // down) is handled too: the run ends only when nothing is left to handle.
    do {
      while (this.state.notifications.length > 0) await this.mutex.runExclusive(() => this.handleNotifications());
      await condition(allHandlersFinished);
      await this.mutex.runExclusive(() => this.settleCharges('durably'));
    } while (this.state.notifications.length > 0);
  }

  /**
   * One timer per deadline, armed again only when the deadline moves. A reservation that ends before
   * its deadline (paid, cancelled) leaves it pending: the run's completion drops it, so no timer is
   * cancelled (one command and one event fewer per reservation).
   */
  private armExpiryTimer(): void {
    const deadline = this.state.deadline;
    if (this.expiryTimer.at === deadline) return;
    this.expiryTimer.scope?.cancel();
    const timer = { at: deadline, due: false, scope: new CancellationScope() };
    this.expiryTimer = timer;
    timer.scope
      .run(() => sleep(Math.max(deadline - Date.now(), 1)))
      .then(
        () => {
          timer.due = true;
        },
        (err: unknown) => {
          // Cancelled because the deadline moved (or the run was cancelled, which the loop handles).
          if (!isCancellation(err)) throw err;
        },
      );
  }

  private setView(next: ReservationView): void {
    if (this.state.update(next)) this.publishStatus(next.status);
  }

  /**
   * Keeps the ReservationStatus search attribute current for operators, for the statuses they search
   * by (HELD, set at the start, covers a payment in progress). Only when the starter indexed the run
   * with it (the API does): a server without the attribute registered would reject it.
   */
  private publishStatus(status: ReservationStatus | 'REJECTED'): void {
    if (status === 'PAYMENT_PENDING') return;
    const published = workflowInfo().typedSearchAttributes.get(ReservationStatusKey);
    if (published === undefined || published === status) return;
    upsertSearchAttributes([{ key: ReservationStatusKey, value: status }]);
  }

  // ----------------------------------------------------------------------------------------------
  // Closing

  /** Runs the pushed compensations in reverse; nothing may cancel them half-way. */
  private async close(closing: Closing): Promise<void> {
    await CancellationScope.nonCancellable(async () => {
      while (this.compensations.length > 0) {
        const step = this.compensations.pop();
        if (step) await step(closing);
      }
    });
  }

  /** The deadline passed: a charge whose answer was lost may still turn out paid; otherwise release. */
  private async expireIfDue(): Promise<void> {
    if (!this.state.isDue(Date.now())) return;
    try {
      await this.settleCharges('now');
    } catch (err) {
      // Still unknown (it is settled durably once the hold is released), or the sale found the hold
      // lost and refunded: either way the release below goes ahead.
      log.info('charge not settled at the deadline', { reservationId: this.input.reservationId, error: String(err) });
    }
    if (this.state.isOpen()) await this.close({ status: 'EXPIRED', reason: 'HOLD_EXPIRED' });
  }

  /** An action on a reservation that is no longer open is refused with the contract's code. */
  private async assertOpen(): Promise<void> {
    if (this.state.isDue(Date.now())) await this.expireIfDue();
    if (!this.state.isOpen()) throw failure(this.state.closedRefusal());
  }

  // ----------------------------------------------------------------------------------------------
  // Actions

  async extend(): Promise<ReservationView> {
    this.state.countAction();
    await this.assertOpen();
    if (!this.state.canExtend()) throw failure(this.state.extensionLimit());
    await this.moveDeadline(this.state.extendedDeadline(), 'EXTENSION');
    return this.state.current;
  }

  async cancel(): Promise<ReservationView> {
    this.state.countAction();
    const status = this.state.status();
    if (status === 'CANCELLED') return this.state.current;
    if (status === 'CONFIRMED') throw failure(this.state.closedRefusal());
    await this.assertOpen();
    await this.close({ status: 'CANCELLED', reason: 'CANCELLED_BY_USER' });
    return this.state.current;
  }

  /** A deadline move that found the hold taken over (after a worker outage) ends the hold. */
  private async moveDeadline(until: number, kind: 'EXTENSION' | 'PAYMENT_GRACE'): Promise<void> {
    try {
      this.setView(await extendHold({ reservationId: this.input.reservationId, heldUntil: new Date(until).toISOString(), kind }));
    } catch (err) {
      if (hasCode(err, 'RESERVATION_EXPIRED')) {
        await this.close({ status: 'EXPIRED', reason: 'HOLD_LOST' });
        throw businessFailure('RESERVATION_EXPIRED', 'the hold has expired and its seats were released');
      }
      throw refusalCause(err) ?? unavailable(err);
    }
    this.state.setDeadline(until);
  }

  /**
   * The buyer's X-Idempotency-Key names one confirm: a retry gets the first answer once it is final
   * (paid, declined, refused). A 503 is not final: the same key may be retried and then pays.
   */
  async confirm(request: ConfirmRequest): Promise<ReservationView> {
    this.state.countAction();
    const answered = this.state.answerFor(request.idempotencyKey);
    if (answered) {
      if (answered.ok) return this.state.current;
      throw failure(answered.refusal);
    }
    try {
      const paid = await this.pay(request);
      this.state.rememberAnswer(request.idempotencyKey, { ok: true });
      return paid;
    } catch (err) {
      if (err instanceof ApplicationFailure && err.type) {
        const details = (err.details?.[0] ?? {}) as Record<string, unknown>;
        this.state.rememberAnswer(request.idempotencyKey, { ok: false, refusal: { code: err.type as Refusal['code'], message: err.message, details } });
      }
      throw err;
    }
  }

  private async pay(request: ConfirmRequest): Promise<ReservationView> {
    if (this.state.status() === 'CONFIRMED') return this.state.current;
    await this.assertOpen();
    // A charge whose answer was lost is settled first: it may have paid already, and only one charge
    // of a reservation is ever in flight.
    await this.settleCharges('now');
    if (this.state.status() === 'CONFIRMED') return this.state.current;
    await this.assertOpen();
    const graceUntil = this.state.grantPaymentGrace(Date.now());
    if (graceUntil !== null) await this.moveDeadline(graceUntil, 'PAYMENT_GRACE');
    else this.setView(this.state.withStatus('PAYMENT_PENDING'));

    const chargeKey = this.state.nextChargeKey();
    let paymentId: string;
    try {
      ({ paymentId } = await chargePayment({
        reservationId: this.input.reservationId,
        paymentMethodId: request.paymentMethodId,
        amountCents: this.state.current.total_price_cents,
        idempotencyKey: chargeKey,
      }));
    } catch (err) {
      const cause = refusalCause(err);
      if (cause) {
        // The provider answered (declined), or the charge was refused before it was sent.
        this.state.settled(chargeKey);
        if (cause.type === 'PAYMENT_DECLINED') throw await this.noteDecline((cause.details?.[0] ?? {}) as Record<string, unknown>);
        this.setView(this.state.withStatus('HELD'));
        throw cause.type === 'UNAVAILABLE' ? await this.failedAttempt(cause) : cause;
      }
      // Timed out or failed after it may have been sent: the outcome is unknown until settled.
      let settlement: ChargeSettlement;
      try {
        settlement = await this.settleCharge(chargeKey, 'now');
      } catch (unsettled) {
        throw await this.failedAttempt(unsettled);
      }
      if (settlement.status === 'SOLD') return this.state.current;
      if (settlement.decline) throw settlement.decline;
      throw await this.failedAttempt(err);
    }
    this.state.settled(chargeKey);
    return this.completeSale(paymentId);
  }

  private async settleCharges(mode: 'now' | 'durably'): Promise<void> {
    for (const chargeKey of this.state.unsettledCharges()) await this.settleCharge(chargeKey, mode);
  }

  /**
   * Asks the provider how a charge whose answer was lost ended; a charge that never happened is voided
   * so that it never can. Money taken becomes the sale if the hold is still open, a refund otherwise.
   * `now` gives up after a few seconds (the buyer gets 503 and nobody is charged again); `durably`
   * retries until the provider answers.
   */
  private async settleCharge(chargeKey: string, mode: 'now' | 'durably'): Promise<ChargeSettlement> {
    let resolution;
    try {
      const resolve = mode === 'now' ? resolveChargeNow : resolveChargeDurably;
      resolution = await resolve({ reservationId: this.input.reservationId, idempotencyKey: chargeKey });
    } catch (err) {
      if (this.state.isOpen()) this.setView(this.state.withStatus('PAYMENT_PENDING'));
      throw unavailable(err);
    }
    this.state.settled(chargeKey);
    switch (resolution.status) {
      case 'SUCCEEDED':
        if (this.state.isOpen()) {
          await this.completeSale(resolution.paymentId);
          return { status: 'SOLD' };
        }
        await refundPayment({ paymentId: resolution.paymentId });
        return { status: 'REFUNDED' };
      case 'DECLINED':
        return { status: 'DECLINED', decline: await this.noteDecline({ decline_code: resolution.declineCode, payment_attempts: resolution.paymentAttempts }) };
      case 'VOIDED':
        if (this.state.isOpen()) this.setView(this.state.withStatus('HELD'));
        return { status: 'VOIDED' };
    }
  }

  /**
   * A charge that ended without a sale or a decline (the processor did not answer; settled later if it
   * took money) still counts as an attempt: the buyer gets 503 while attempts remain, and the last one
   * allowed releases the hold, as a decline would.
   */
  private async failedAttempt(err: unknown): Promise<ApplicationFailure> {
    if (this.state.isOpen()) this.setView(this.state.withStatus(this.state.status(), { payment_attempts: this.state.attemptsMade() }));
    if (!this.state.isOpen() || !this.state.attemptsExhausted()) return err instanceof ApplicationFailure && err.type === 'UNAVAILABLE' ? err : unavailable(err);
    await this.close({ status: 'CANCELLED', reason: 'PAYMENT_ATTEMPTS_EXHAUSTED' });
    return businessFailure('RESERVATION_CANCELLED', 'the payment failed on the last attempt allowed; the hold was released', {
      release_reason: 'PAYMENT_ATTEMPTS_EXHAUSTED',
      payment_attempts: this.state.attemptsMade(),
    });
  }

  /** A decline counts as one of the buyer's attempts; the last one allowed releases the hold. */
  private async noteDecline(details: Record<string, unknown>): Promise<ApplicationFailure> {
    const { attempts, remaining, releases } = this.state.decline(details);
    if (this.state.isOpen()) this.setView(this.state.withStatus('HELD', { payment_attempts: attempts }));
    if (releases && this.state.isOpen()) await this.close({ status: 'CANCELLED', reason: 'PAYMENT_DECLINED' });
    return failure(this.state.declineRefusal(details, attempts, remaining));
  }

  /** Money has been taken: it becomes the sale, or (hold lost) a refund. Never neither. */
  private async completeSale(paymentId: string): Promise<ReservationView> {
    this.compensations.push(async () => {
      await refundPayment({ paymentId });
    });
    let result;
    try {
      result = await sellHold({ reservationId: this.input.reservationId, paymentId });
    } catch (err) {
      if (!refusalCause(err)) throw err;
      // The hold lapsed and another buyer took it, or the money cannot pay for it: refunded, released.
      await this.close({ status: 'EXPIRED', reason: 'HOLD_LOST_PAYMENT_REFUNDED' });
      throw businessFailure('RESERVATION_EXPIRED', 'the hold lapsed before the sale; the payment was refunded', { refunded: true });
    }
    this.compensations.length = 0;
    this.setView(result.view);
    // Already sold with another payment (a provider notification got there first): this one goes back.
    if (!result.soldWithThisPayment) await refundPayment({ paymentId });
    return this.state.current;
  }

  /** Payments the provider reports asynchronously: a sale while held, a refund otherwise. */
  private async handleNotifications(): Promise<void> {
    for (const notification of this.state.takeNotifications()) {
      if (notification.status !== 'succeeded') continue;
      const recorded = await recordProviderPayment({
        reservationId: this.input.reservationId,
        providerPaymentId: notification.paymentId,
        amountCents: notification.amountCents,
      });
      switch (this.state.disposition(notification, recorded, Date.now())) {
        case 'IGNORE':
          log.warn('provider reported a payment of another reservation', { reservationId: this.input.reservationId, paymentId: recorded.paymentId });
          break;
        case 'SKIP':
          break;
        case 'RESUME_SALE':
          await this.completeSale(recorded.paymentId);
          break;
        case 'SELL':
          await this.completeSale(recorded.paymentId).catch((err: unknown) => {
            if (!hasCode(err, 'RESERVATION_EXPIRED')) throw err;
          });
          break;
        case 'REFUND':
          await refundPayment({ paymentId: recorded.paymentId });
          break;
      }
    }
    await this.expireIfDue();
  }
}
