import {
  ApplicationFailure,
  CancellationScope,
  allHandlersFinished,
  condition,
  isCancellation,
  log,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type {
  ConfirmRequest,
  PaymentNotification,
  ReservationInput,
  ReservationOutcome,
  ReservationStatus,
  ReservationView,
} from '../domain/reservation';
import type { ErrorCode } from '../domain/errors';
import type { SettledCharge } from '../payments/payments-repository';
import {
  ReservationStatusKey,
  cancelUpdate,
  confirmUpdate,
  extendUpdate,
  holdUpdate,
  paymentNotificationSignal,
  reservationQuery,
} from './definitions';
import { businessFailure, hasCode, refusalCause, unavailable } from './failures';
import { WorkflowMutex } from './mutex';
import {
  abandonHold,
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

/** Updates one reservation accepts in its life: enough for any buyer, a bound for a runaway client. */
export const MAX_ACTIONS_PER_RESERVATION = 100;

type Closing = { status: 'EXPIRED' | 'CANCELLED'; reason: string };
type Compensation = (closing: Closing) => Promise<void>;
type ConfirmAnswer = { ok: true } | { ok: false; type: string; message: string; details: Record<string, unknown> };
type ChargeSettlement = 'SOLD' | 'REFUNDED' | 'DECLINED' | 'VOIDED';

/**
 * One reservation, from hold to sale or release.
 *
 * It holds the inventory, then sleeps on a durable timer until the hold's deadline while it waits for
 * a confirm, extend or cancel (updates) or a provider payment (signal). Every hold ends in exactly one
 * of: sold (CONFIRMED), released at the deadline (EXPIRED) or released on request (CANCELLED); and
 * every charge ends as that sale or as a refund. Compensations (release, refund) are pushed as steps
 * succeed and run in reverse; no step that moves money or inventory can be cancelled half-way.
 */
export async function reservationWorkflowV3(input: ReservationInput): Promise<ReservationOutcome> {
  const mutex = new WorkflowMutex();
  const compensations: Compensation[] = [];
  const notifications: PaymentNotification[] = [];
  const notificationsSeen = new Set<string>();
  /** Charge keys sent to the provider whose outcome is not known yet: settled before any new charge. */
  const unsettledCharges: string[] = [];
  const confirmAnswers = new Map<string, ConfirmAnswer>();
  let chargesSent = 0;
  let actions = 0;
  let view: ReservationView | null = null;
  let rejection: ApplicationFailure | null = null;
  let firstHoldRequest: string | null = null;
  let deadline = Date.now() + input.holdSeconds * 1000;
  let deadlineMoves = 0;
  let expiryTimer: { at: number; due: boolean; scope: CancellationScope | null } = { at: 0, due: false, scope: null };

  setHandler(reservationQuery, () => view);
  setHandler(
    holdUpdate,
    async ({ requestId }) => {
      firstHoldRequest ??= requestId;
      await condition(() => view !== null || rejection !== null);
      if (rejection) throw rejection;
      return { reservation: current(), created: firstHoldRequest === requestId };
    },
    {
      validator: ({ requestHash }) => {
        if (input.requestHash && requestHash && requestHash !== input.requestHash) {
          throw businessFailure('IDEMPOTENCY_KEY_REUSED', 'this X-Idempotency-Key was already used with a different request body');
        }
      },
    },
  );
  setHandler(confirmUpdate, (request) => exclusive(() => confirm(request)), { validator: (request) => admit('confirm', request) });
  setHandler(extendUpdate, () => exclusive(extend), { validator: () => admit('extend') });
  setHandler(cancelUpdate, () => exclusive(cancel), { validator: () => admit('cancel') });
  setHandler(paymentNotificationSignal, (notification) => {
    // A provider delivers at least once: the same payment and status is handled once.
    const key = `${notification.paymentId}:${notification.status}`;
    if (notificationsSeen.has(key)) return;
    notificationsSeen.add(key);
    // Logged here, not where it is handled: only here is the log line still under the request id of
    // the webhook that delivered it (an update handled in the same task would lend it its own).
    if (notification.status !== 'succeeded') log.warn('provider reported a failed payment', { reservationId: input.reservationId, ...notification });
    notifications.push(notification);
  });

  try {
    view = await holdInventory({
      reservationId: input.reservationId,
      eventId: input.eventId,
      userId: input.userId,
      seatIds: input.seatIds,
      ga: input.ga,
      heldUntil: new Date(deadline).toISOString(),
      maxExtensions: input.maxExtensions,
      idempotencyKey: input.idempotencyKey,
      requestHash: input.requestHash ?? null,
    });
  } catch (err) {
    const refusal = refusalCause(err);
    rejection = refusal ?? unavailable(err);
    publishStatus('REJECTED');
    // No answer is not "nothing happened": an attempt may have committed after its reply was lost.
    if (!refusal) await CancellationScope.nonCancellable(() => abandonHold({ reservationId: input.reservationId }));
    await condition(allHandlersFinished);
    throw rejection;
  }
  compensations.push(async (closing) => {
    setView(await releaseInventory({ reservationId: input.reservationId, ...closing }));
  });
  setDeadline(Date.parse(view.held_until));

  try {
    while (isOpen()) {
      armExpiryTimer();
      const seen = deadlineMoves;
      await condition(() => expiryTimer.due || deadlineMoves !== seen || notifications.length > 0 || !isOpen());
      if (notifications.length > 0) await exclusive(handleNotifications);
      else if (expiryTimer.due) {
        await exclusive(expireIfDue);
        expiryTimer.at = 0;
      }
    }
  } catch (err) {
    if (!isCancellation(err)) throw err;
    // An operator cancelled the workflow: a payment in progress finishes first, then the hold is released.
    await CancellationScope.nonCancellable(async () => {
      await mutex.runExclusive(async () => {
        if (isOpen()) await close({ status: 'CANCELLED', reason: 'CANCELLED_BY_OPERATOR' });
      });
      await finish();
    });
    // A sale that completed before the cancel stands: the run ends with it.
    if (current().status !== 'CONFIRMED') throw err;
    return outcome();
  }
  await CancellationScope.nonCancellable(finish);
  return outcome();

  // ----------------------------------------------------------------------------------------------
  // State

  function current(): ReservationView {
    if (!view) throw new Error('reservation has no hold yet');
    return view;
  }

  function isOpen(): boolean {
    const status = current().status;
    return status === 'HELD' || status === 'PAYMENT_PENDING';
  }

  /**
   * One timer per deadline, armed again only when the deadline moves. A reservation that ends
   * before its deadline (paid, cancelled) leaves it pending: the run's completion drops it, so no
   * timer is cancelled (one command and one event fewer per reservation).
   */
  function armExpiryTimer(): void {
    if (expiryTimer.at === deadline) return;
    expiryTimer.scope?.cancel();
    const timer = { at: deadline, due: false, scope: new CancellationScope() };
    expiryTimer = timer;
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

  function setDeadline(at: number): void {
    deadline = at;
    deadlineMoves += 1;
  }

  function setView(next: ReservationView): void {
    const before = view?.status;
    view = next;
    if (before !== next.status) publishStatus(next.status);
  }

  /**
   * Keeps the ReservationStatus search attribute current for operators, for the statuses they search
   * by (HELD, set at the start, covers a payment in progress). Only when the starter indexed the run
   * with it (the API does): a server without the attribute registered would reject it.
   */
  function publishStatus(status: ReservationStatus | 'REJECTED'): void {
    if (status === 'PAYMENT_PENDING') return;
    const published = workflowInfo().typedSearchAttributes.get(ReservationStatusKey);
    if (published === undefined || published === status) return;
    upsertSearchAttributes([{ key: ReservationStatusKey, value: status }]);
  }

  function outcome(): ReservationOutcome {
    const final = current();
    return { reservationId: final.reservation_id, status: final.status, orderId: final.order_id, releaseReason: final.release_reason };
  }

  /** Handlers take turns, and none is interrupted by an operator's cancel once it has started. */
  function exclusive<T>(fn: () => Promise<T>): Promise<T> {
    return CancellationScope.nonCancellable(() => mutex.runExclusive(fn));
  }

  /**
   * Refuses, before anything is written to history, an action the reservation can no longer take.
   * A refusal here is final for this request; an accepted action may still be refused by the handler
   * when the state changed while it waited for its turn.
   */
  function admit(action: 'confirm' | 'extend' | 'cancel', request?: ConfirmRequest): void {
    if (!view) throw businessFailure('RESERVATION_NOT_ACTIVE', 'the hold is still being made');
    if (actions >= MAX_ACTIONS_PER_RESERVATION) {
      throw businessFailure('RATE_LIMITED', `a reservation takes at most ${MAX_ACTIONS_PER_RESERVATION} actions`, { retry_after_seconds: 60 });
    }
    const status = view.status;
    if (action === 'confirm' && (status === 'CONFIRMED' || (request?.idempotencyKey && confirmAnswers.has(request.idempotencyKey)))) return;
    if (action === 'cancel' && status === 'CANCELLED') return;
    if (action === 'cancel' && status === 'CONFIRMED') throw businessFailure('RESERVATION_CONFIRMED', 'a confirmed reservation cannot be cancelled');
    if (!isOpen() || (Date.now() >= deadline && !mutex.isLocked)) throw closedRefusal(isOpen() ? 'EXPIRED' : status);
    if (action === 'extend' && view.extensions_used >= input.maxExtensions) throw extensionLimit();
  }

  function closedRefusal(status: ReservationStatus): ApplicationFailure {
    switch (status) {
      case 'EXPIRED':
        return businessFailure('RESERVATION_EXPIRED', 'the hold has expired and its seats were released');
      case 'CANCELLED':
        return businessFailure('RESERVATION_CANCELLED', 'the reservation was cancelled', { release_reason: current().release_reason });
      case 'CONFIRMED':
        return businessFailure('RESERVATION_CONFIRMED', 'the reservation is already confirmed');
      default:
        return businessFailure('RESERVATION_NOT_ACTIVE', `the reservation is ${status}`);
    }
  }

  function extensionLimit(): ApplicationFailure {
    return businessFailure('EXTENSION_LIMIT', `a hold can be extended at most ${input.maxExtensions} time(s)`, {
      max_hold_extensions: input.maxExtensions,
    });
  }

  // ----------------------------------------------------------------------------------------------
  // Closing

  /** Runs the pushed compensations in reverse; nothing may cancel them half-way. */
  async function close(closing: Closing): Promise<void> {
    await CancellationScope.nonCancellable(async () => {
      while (compensations.length > 0) {
        const step = compensations.pop();
        if (step) await step(closing);
      }
    });
  }

  /** The deadline passed: a charge whose answer was lost may still turn out paid; otherwise release. */
  async function expireIfDue(): Promise<void> {
    if (!isOpen() || Date.now() < deadline) return;
    try {
      await settleCharges('now');
    } catch (err) {
      // Still unknown (it is settled durably once the hold is released), or the sale found the hold
      // lost and refunded: either way the release below goes ahead.
      log.info('charge not settled at the deadline', { reservationId: input.reservationId, error: String(err) });
    }
    if (isOpen()) await close({ status: 'EXPIRED', reason: 'HOLD_EXPIRED' });
  }

  /** An action on a reservation that is no longer open is refused with the contract's code. */
  async function assertOpen(): Promise<void> {
    if (isOpen() && Date.now() >= deadline) await expireIfDue();
    if (!isOpen()) throw closedRefusal(current().status);
  }

  /**
   * Before the run ends: payments reported while the hold was closing are refunded, running handlers
   * finish, and a charge whose outcome is still unknown is settled (and refunded if it took money).
   */
  async function finish(): Promise<void> {
    while (notifications.length > 0) await mutex.runExclusive(handleNotifications);
    await condition(allHandlersFinished);
    await mutex.runExclusive(() => settleCharges('durably'));
  }

  // ----------------------------------------------------------------------------------------------
  // Actions

  /** A deadline move that found the hold taken over (after a worker outage) ends the hold. */
  async function moveDeadline(until: number, kind: 'EXTENSION' | 'PAYMENT_GRACE'): Promise<void> {
    try {
      setView(await extendHold({ reservationId: input.reservationId, heldUntil: new Date(until).toISOString(), kind }));
    } catch (err) {
      if (hasCode(err, 'RESERVATION_EXPIRED')) {
        await close({ status: 'EXPIRED', reason: 'HOLD_LOST' });
        throw businessFailure('RESERVATION_EXPIRED', 'the hold has expired and its seats were released');
      }
      throw refusalCause(err) ?? unavailable(err);
    }
    setDeadline(until);
  }

  /**
   * The buyer's X-Idempotency-Key names one confirm: a retry gets the first answer once it is final
   * (paid, declined, refused). A 503 is not final: the same key may be retried and then pays.
   */
  async function confirm(request: ConfirmRequest): Promise<ReservationView> {
    actions += 1;
    const key = request.idempotencyKey;
    const answered = key ? confirmAnswers.get(key) : undefined;
    if (answered) {
      if (answered.ok) return current();
      throw businessFailure(answered.type as ErrorCode, answered.message, answered.details);
    }
    try {
      const paid = await pay(request);
      if (key) confirmAnswers.set(key, { ok: true });
      return paid;
    } catch (err) {
      if (key && err instanceof ApplicationFailure && err.type && err.type !== 'UNAVAILABLE') {
        confirmAnswers.set(key, { ok: false, type: err.type, message: err.message, details: (err.details?.[0] ?? {}) as Record<string, unknown> });
      }
      throw err;
    }
  }

  async function pay(request: ConfirmRequest): Promise<ReservationView> {
    if (current().status === 'CONFIRMED') return current();
    await assertOpen();
    // A charge whose answer was lost is settled first: it may have paid already, and only one charge
    // of a reservation is ever in flight.
    await settleCharges('now');
    if (current().status === 'CONFIRMED') return current();
    await assertOpen();
    // A payment that starts before the deadline keeps the hold for a short grace, so a buyer paying in
    // the last second is not refunded because the seat went to someone else meanwhile.
    const graceUntil = Date.now() + input.paymentGraceSeconds * 1000;
    if (graceUntil > deadline) await moveDeadline(graceUntil, 'PAYMENT_GRACE');
    else setView({ ...current(), status: 'PAYMENT_PENDING' });

    chargesSent += 1;
    const chargeKey = `${input.reservationId}:charge:${chargesSent}`;
    unsettledCharges.push(chargeKey);
    let paymentId: string;
    try {
      ({ paymentId } = await chargePayment({
        reservationId: input.reservationId,
        paymentMethodId: request.paymentMethodId,
        amountCents: current().total_price_cents,
        idempotencyKey: chargeKey,
      }));
    } catch (err) {
      const cause = refusalCause(err);
      if (cause) {
        // The provider answered (declined), or the charge was refused before it was sent.
        settled(chargeKey);
        if (cause.type === 'PAYMENT_DECLINED') return declined(cause);
        setView({ ...current(), status: 'HELD' });
        throw cause;
      }
      // Timed out or failed after it may have been sent: the outcome is unknown until settled.
      const settlement = await settleCharge(chargeKey, 'now');
      if (settlement.status === 'SOLD') return current();
      if (settlement.decline) throw settlement.decline;
      throw unavailable(err);
    }
    settled(chargeKey);
    return completeSale(paymentId);
  }

  function settled(chargeKey: string): void {
    const index = unsettledCharges.indexOf(chargeKey);
    if (index >= 0) unsettledCharges.splice(index, 1);
  }

  async function settleCharges(mode: 'now' | 'durably'): Promise<void> {
    for (const chargeKey of [...unsettledCharges]) await settleCharge(chargeKey, mode);
  }

  /**
   * Asks the provider how a charge whose answer was lost ended; a charge that never happened is
   * voided so that it never can. Money taken becomes the sale if the hold is still open, a refund
   * otherwise. `now` gives up after a few seconds (the buyer gets 503 and nobody is charged again);
   * `durably` retries until the provider answers.
   */
  async function settleCharge(chargeKey: string, mode: 'now' | 'durably'): Promise<{ status: ChargeSettlement; decline?: ApplicationFailure }> {
    let resolution: SettledCharge;
    try {
      const resolve = mode === 'now' ? resolveChargeNow : resolveChargeDurably;
      resolution = await resolve({ reservationId: input.reservationId, idempotencyKey: chargeKey });
    } catch (err) {
      if (isOpen()) setView({ ...current(), status: 'PAYMENT_PENDING' });
      throw unavailable(err);
    }
    settled(chargeKey);
    switch (resolution.status) {
      case 'SUCCEEDED':
        if (isOpen()) {
          await completeSale(resolution.paymentId);
          return { status: 'SOLD' };
        }
        await refundPayment({ paymentId: resolution.paymentId });
        return { status: 'REFUNDED' };
      case 'DECLINED':
        return { status: 'DECLINED', decline: await noteDecline({ decline_code: resolution.declineCode, payment_attempts: resolution.paymentAttempts }) };
      case 'VOIDED':
        if (isOpen()) setView({ ...current(), status: 'HELD' });
        return { status: 'VOIDED' };
    }
  }

  async function declined(cause: ApplicationFailure): Promise<never> {
    throw await noteDecline((cause.details?.[0] ?? {}) as Record<string, unknown>);
  }

  /** A decline counts as one of the buyer's attempts; the last one allowed releases the hold. */
  async function noteDecline(details: Record<string, unknown>): Promise<ApplicationFailure> {
    const attempts = typeof details.payment_attempts === 'number' ? details.payment_attempts : current().payment_attempts + 1;
    if (isOpen()) setView({ ...current(), status: 'HELD', payment_attempts: attempts });
    const remaining = Math.max(input.maxPaymentAttempts - attempts, 0);
    if (remaining === 0 && isOpen()) await close({ status: 'CANCELLED', reason: 'PAYMENT_DECLINED' });
    return businessFailure('PAYMENT_DECLINED', 'the payment was declined', {
      ...details,
      payment_attempts: attempts,
      attempts_remaining: remaining,
      reservation_status: current().status,
    });
  }

  /** Money has been taken: it becomes the sale, or (hold lost) a refund. Never neither. */
  async function completeSale(paymentId: string): Promise<ReservationView> {
    compensations.push(async () => {
      await refundPayment({ paymentId });
    });
    let result;
    try {
      result = await sellHold({ reservationId: input.reservationId, paymentId });
    } catch (err) {
      if (!refusalCause(err)) throw err;
      // The hold lapsed and another buyer took it, or the money cannot pay for it: refunded, released.
      await close({ status: 'EXPIRED', reason: 'HOLD_LOST_PAYMENT_REFUNDED' });
      throw businessFailure('RESERVATION_EXPIRED', 'the hold lapsed before the sale; the payment was refunded', { refunded: true });
    }
    compensations.length = 0;
    setView(result.view);
    // Already sold with another payment (a provider notification got there first): this one goes back.
    if (!result.soldWithThisPayment) await refundPayment({ paymentId });
    return current();
  }

  async function extend(): Promise<ReservationView> {
    actions += 1;
    await assertOpen();
    if (current().extensions_used >= input.maxExtensions) throw extensionLimit();
    await moveDeadline(deadline + input.extensionSeconds * 1000, 'EXTENSION');
    return current();
  }

  async function cancel(): Promise<ReservationView> {
    actions += 1;
    const status = current().status;
    if (status === 'CANCELLED') return current();
    if (status === 'CONFIRMED') throw closedRefusal(status);
    await assertOpen();
    await close({ status: 'CANCELLED', reason: 'CANCELLED_BY_USER' });
    return current();
  }

  /** Payments the provider reports asynchronously: a sale while held, a refund otherwise. */
  async function handleNotifications(): Promise<void> {
    for (const notification of notifications.splice(0)) {
      if (notification.status !== 'succeeded') continue;
      const { paymentId, state, reservationId } = await recordProviderPayment({
        reservationId: input.reservationId,
        providerPaymentId: notification.paymentId,
        amountCents: notification.amountCents,
      });
      if (reservationId !== input.reservationId) {
        log.warn('provider reported a payment of another reservation', { reservationId: input.reservationId, paymentId });
        continue;
      }
      // The same money reported again: it already went back, or already paid for the order (then the
      // sale, made by an attempt of this step whose outcome this run never recorded, is learnt again).
      if (state === 'REFUNDED') continue;
      if (state === 'SOLD') {
        if (isOpen()) await completeSale(paymentId);
        continue;
      }
      const usable = isOpen() && Date.now() < deadline && notification.amountCents === current().total_price_cents;
      if (usable) {
        await completeSale(paymentId).catch((err: unknown) => {
          if (!hasCode(err, 'RESERVATION_EXPIRED')) throw err;
        });
      } else {
        await refundPayment({ paymentId });
      }
    }
    await expireIfDue();
  }
}
