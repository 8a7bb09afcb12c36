/**
 * A reservation's state and the rules it moves by, apart from Temporal: what an action may do now,
 * which answer a repeated confirm gets, what a decline or a provider's notification means. The
 * reservation workflow (src/workflows/reservation-workflow.ts) holds one of these and does the side
 * effects; everything here is plain and deterministic, so it is bundled with the workflow and unit
 * tested without a server (test/domain/reservation-rules.test.ts).
 */
import type { ErrorCode } from './errors';
import type {
  ConfirmRequest,
  PaymentNotification,
  ReservationInput,
  ReservationOutcome,
  ReservationStatus,
  ReservationView,
} from './reservation';

/** Updates one reservation accepts in its life: enough for any buyer, a bound for a runaway client. */
export const MAX_ACTIONS_PER_RESERVATION = 100;

export type ReservationAction = 'confirm' | 'extend' | 'cancel';

/** A refusal with its contract code; the workflow turns it into a non-retryable ApplicationFailure. */
export interface Refusal {
  code: ErrorCode;
  message: string;
  details: Record<string, unknown>;
}

/** How a hold ends when it is released rather than sold. */
export interface Closing {
  status: 'EXPIRED' | 'CANCELLED';
  reason: string;
}

/** The final answer a confirm's X-Idempotency-Key gets on every retry. */
export type ConfirmAnswer = { ok: true } | { ok: false; refusal: Refusal };

/** What to do with money a provider reported for this reservation. */
export type NotificationDisposition =
  /** The payment belongs to another reservation: nothing here. */
  | 'IGNORE'
  /** Already given back. */
  | 'SKIP'
  /** It already paid for the order (a sale this run never recorded): learn the sale again. */
  | 'RESUME_SALE'
  /** The hold is open, in time and the amount is right: it becomes the sale. */
  | 'SELL'
  /** Anything else: it goes back. */
  | 'REFUND';

export function refusal(code: ErrorCode, message: string, details: Record<string, unknown> = {}): Refusal {
  return { code, message, details };
}

export class ReservationState {
  private heldView: ReservationView | null = null;
  /** When the hold lapses (ms since the epoch, workflow time). */
  deadline: number;
  /** Bumped on every move of the deadline, so a waiting loop re-arms its timer. */
  deadlineMoves = 0;
  private actions = 0;
  private chargesSent = 0;
  /** The payment grace moves the deadline once in a reservation's life: repeated confirms do not renew it. */
  private graceGranted = false;
  /** Charge keys sent to the provider whose outcome is not known yet: settled before any new charge. */
  private readonly unsettled: string[] = [];
  private readonly confirmAnswers = new Map<string, ConfirmAnswer>();
  private readonly notificationsSeen = new Set<string>();
  /** Provider notifications received and not handled yet, oldest first. */
  readonly notifications: PaymentNotification[] = [];

  constructor(
    readonly input: ReservationInput,
    startedAt: number,
  ) {
    this.deadline = startedAt + input.holdSeconds * 1000;
  }

  get hasHold(): boolean {
    return this.heldView !== null;
  }

  get view(): ReservationView | null {
    return this.heldView;
  }

  get current(): ReservationView {
    if (!this.heldView) throw new Error('reservation has no hold yet');
    return this.heldView;
  }

  /** The status now (a call, not a property: it changes across the awaits of a step). */
  status(): ReservationStatus {
    return this.current.status;
  }

  /** Replaces the view; returns whether the status changed (operators' search attribute follows it). */
  update(next: ReservationView): boolean {
    const changed = this.heldView?.status !== next.status;
    this.heldView = next;
    return changed;
  }

  withStatus(status: ReservationStatus, patch: Partial<ReservationView> = {}): ReservationView {
    return { ...this.current, ...patch, status };
  }

  isOpen(): boolean {
    const status = this.heldView?.status;
    return status === 'HELD' || status === 'PAYMENT_PENDING';
  }

  setDeadline(at: number): void {
    this.deadline = at;
    this.deadlineMoves += 1;
  }

  isDue(now: number): boolean {
    return this.isOpen() && now >= this.deadline;
  }

  /**
   * Refuses, before anything is written to history, an action the reservation can no longer take. A
   * refusal here is final for this request; an accepted action may still be refused when the state
   * changed while it waited its turn (`busy`: another action is running and may still move the deadline).
   */
  admit(action: ReservationAction, now: number, busy: boolean, request?: ConfirmRequest): Refusal | null {
    if (!this.heldView) return refusal('RESERVATION_NOT_ACTIVE', 'the hold is still being made');
    if (this.actions >= MAX_ACTIONS_PER_RESERVATION) {
      return refusal('RATE_LIMITED', `a reservation takes at most ${MAX_ACTIONS_PER_RESERVATION} actions`, { retry_after_seconds: 60 });
    }
    const status = this.heldView.status;
    if (action === 'confirm' && (status === 'CONFIRMED' || (request?.idempotencyKey && this.confirmAnswers.has(request.idempotencyKey)))) return null;
    if (action === 'cancel' && status === 'CANCELLED') return null;
    if (action === 'cancel' && status === 'CONFIRMED') return refusal('RESERVATION_CONFIRMED', 'a confirmed reservation cannot be cancelled');
    if (!this.isOpen() || (now >= this.deadline && !busy)) return this.closedRefusal(this.isOpen() ? 'EXPIRED' : status);
    if (action === 'extend' && this.heldView.extensions_used >= this.input.maxExtensions) return this.extensionLimit();
    return null;
  }

  /** Counts an action against the reservation's bound (the validator checks the bound). */
  countAction(): void {
    this.actions += 1;
  }

  closedRefusal(status: ReservationStatus = this.current.status): Refusal {
    switch (status) {
      case 'EXPIRED':
        return refusal('RESERVATION_EXPIRED', 'the hold has expired and its seats were released');
      case 'CANCELLED':
        return refusal('RESERVATION_CANCELLED', 'the reservation was cancelled', { release_reason: this.current.release_reason });
      case 'CONFIRMED':
        return refusal('RESERVATION_CONFIRMED', 'the reservation is already confirmed');
      default:
        return refusal('RESERVATION_NOT_ACTIVE', `the reservation is ${status}`);
    }
  }

  extensionLimit(): Refusal {
    return refusal('EXTENSION_LIMIT', `a hold can be extended at most ${this.input.maxExtensions} time(s)`, {
      max_hold_extensions: this.input.maxExtensions,
    });
  }

  canExtend(): boolean {
    return this.current.extensions_used < this.input.maxExtensions;
  }

  extendedDeadline(): number {
    return this.deadline + this.input.extensionSeconds * 1000;
  }

  /**
   * A payment that starts before the deadline keeps the hold for a short grace, so a buyer paying in the
   * last second is not refunded because the seat went to someone else meanwhile. Granted once: null when
   * the deadline is later than the grace anyway, or a grace was already granted (a buyer confirming again
   * and again near the deadline would otherwise keep the hold for ever).
   */
  grantPaymentGrace(now: number): number | null {
    const graceUntil = now + this.input.paymentGraceSeconds * 1000;
    if (this.graceGranted || graceUntil <= this.deadline) return null;
    this.graceGranted = true;
    return graceUntil;
  }

  /** Charges the buyer has started, declined or not: each is one of the attempts allowed. */
  attemptsMade(): number {
    return Math.max(this.chargesSent, this.current.payment_attempts);
  }

  attemptsExhausted(): boolean {
    return this.attemptsMade() >= this.input.maxPaymentAttempts;
  }

  /** A provider delivers at least once: the same payment and status is taken once. */
  receive(notification: PaymentNotification): boolean {
    const key = `${notification.paymentId}:${notification.status}`;
    if (this.notificationsSeen.has(key)) return false;
    this.notificationsSeen.add(key);
    this.notifications.push(notification);
    return true;
  }

  takeNotifications(): PaymentNotification[] {
    return this.notifications.splice(0);
  }

  /** The answer a confirm with this key already got, if it was final. */
  answerFor(idempotencyKey: string | null): ConfirmAnswer | undefined {
    return idempotencyKey ? this.confirmAnswers.get(idempotencyKey) : undefined;
  }

  /** A 503 is not final: the same key may be retried and then pays. Everything else is kept. */
  rememberAnswer(idempotencyKey: string | null, answer: ConfirmAnswer): void {
    if (!idempotencyKey) return;
    if (!answer.ok && answer.refusal.code === 'UNAVAILABLE') return;
    this.confirmAnswers.set(idempotencyKey, answer);
  }

  /** The key of the next charge: one per attempt, derived from the reservation so a retry reuses it. */
  nextChargeKey(): string {
    this.chargesSent += 1;
    const key = `${this.input.reservationId}:charge:${this.chargesSent}`;
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

  /**
   * A decline counts as one of the buyer's attempts (the provider's count when it gives one); the last
   * one allowed releases the hold.
   */
  decline(details: Record<string, unknown>): { attempts: number; remaining: number; releases: boolean } {
    const attempts = Math.max(typeof details.payment_attempts === 'number' ? details.payment_attempts : 0, this.attemptsMade());
    const remaining = Math.max(this.input.maxPaymentAttempts - attempts, 0);
    return { attempts, remaining, releases: remaining === 0 };
  }

  declineRefusal(details: Record<string, unknown>, attempts: number, remaining: number): Refusal {
    return refusal('PAYMENT_DECLINED', 'the payment was declined', {
      ...details,
      payment_attempts: attempts,
      attempts_remaining: remaining,
      reservation_status: this.current.status,
    });
  }

  /** What money the provider reported (and the ledger recorded as `state`) means for this reservation. */
  disposition(
    notification: PaymentNotification,
    recorded: { state: 'CAPTURED' | 'SOLD' | 'REFUNDED' | string; reservationId: string },
    now: number,
  ): NotificationDisposition {
    if (recorded.reservationId !== this.input.reservationId) return 'IGNORE';
    if (recorded.state === 'REFUNDED') return 'SKIP';
    if (recorded.state === 'SOLD') return this.isOpen() ? 'RESUME_SALE' : 'SKIP';
    const usable = this.isOpen() && now < this.deadline && notification.amountCents === this.current.total_price_cents;
    return usable ? 'SELL' : 'REFUND';
  }

  outcome(): ReservationOutcome {
    const final = this.current;
    return { reservationId: final.reservation_id, status: final.status, orderId: final.order_id, releaseReason: final.release_reason };
  }
}
