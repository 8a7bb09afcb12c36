/*
 * The reservation workflow as it ran before the "exact money and inventory" change, frozen: runs
 * started before that change (their histories have no marker of the patch) replay and finish on this
 * code, so a deploy never changes what a running reservation does. Do not edit; the current code is
 * src/workflows/reservation-workflow.ts. Delete once no run without the patch can be open any more
 * (the longest reservation is under two hours) and the committed histories that need it are retired.
 */
import {
  CancellationScope,
  allHandlersFinished,
  condition,
  isCancellation,
  log,
  setHandler,
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
import {
  ReservationStatusKey,
  cancelUpdate,
  confirmUpdate,
  extendUpdate,
  holdUpdate,
  paymentNotificationSignal,
  reservationQuery,
} from './definitions';
import { businessCause, businessFailure, hasCode, unavailable } from './failures';
import { WorkflowMutex } from './mutex';
import {
  chargePayment,
  extendHold,
  holdInventory,
  markPaymentPending,
  recordProviderPayment,
  refundPayment,
  releaseInventory,
  sellInventory,
} from './reservation-activities-v1';

type Closing = { status: 'EXPIRED' | 'CANCELLED'; reason: string };
type Compensation = (closing: Closing) => Promise<void>;

/**
 * One reservation, from hold to sale or release (before the patch).
 *
 * It holds the inventory, then sleeps on a durable timer until the hold's deadline while it waits for
 * a confirm, extend or cancel (updates) or a provider payment (signal). Whatever happens, every hold
 * ends in exactly one of: sold (CONFIRMED), released at the deadline (EXPIRED) or released on request
 * (CANCELLED); compensations (release, refund) are pushed as steps succeed and run in reverse in a
 * scope that cannot be cancelled half-way.
 */
export async function reservationWorkflowV1(input: ReservationInput): Promise<ReservationOutcome> {
  const mutex = new WorkflowMutex();
  const compensations: Compensation[] = [];
  const notifications: PaymentNotification[] = [];
  let view: ReservationView | null = null;
  let rejection: Error | null = null;
  let firstHoldRequest: string | null = null;
  let deadline = Date.now() + input.holdSeconds * 1000;
  let deadlineMoves = 0;

  setHandler(reservationQuery, () => view);
  setHandler(holdUpdate, async ({ requestId }) => {
    firstHoldRequest ??= requestId;
    await condition(() => view !== null || rejection !== null);
    if (rejection) throw rejection;
    return { reservation: current(), created: firstHoldRequest === requestId };
  });
  setHandler(confirmUpdate, (request) => mutex.runExclusive(() => confirm(request)));
  setHandler(extendUpdate, () => mutex.runExclusive(extend));
  setHandler(cancelUpdate, () => mutex.runExclusive(cancel));
  setHandler(paymentNotificationSignal, (notification) => {
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
    });
  } catch (err) {
    rejection = businessCause(err) ?? unavailable(err);
    publishStatus('REJECTED');
    await condition(allHandlersFinished);
    throw rejection;
  }
  compensations.push(async (closing) => {
    view = await releaseInventory({ reservationId: input.reservationId, ...closing });
  });
  setDeadline(Date.parse(view.held_until));
  publishStatus(view.status);

  try {
    while (!isSettled()) {
      const seen = deadlineMoves;
      const woke = await condition(
        () => deadlineMoves !== seen || notifications.length > 0 || isSettled(),
        Math.max(deadline - Date.now(), 1),
      );
      if (notifications.length > 0) await mutex.runExclusive(handleNotifications);
      else if (!woke) await mutex.runExclusive(expireIfDue);
    }
  } catch (err) {
    if (isCancellation(err)) {
      // An operator cancelled the workflow (e.g. `temporal workflow cancel`): give the inventory back.
      await close({ status: 'CANCELLED', reason: 'CANCELLED_BY_OPERATOR' });
    }
    throw err;
  }
  // A provider payment reported while the hold was closing is refunded before the workflow ends.
  while (notifications.length > 0) await mutex.runExclusive(handleNotifications);
  await condition(allHandlersFinished);
  const final = current();
  return {
    reservationId: final.reservation_id,
    status: final.status,
    orderId: final.order_id,
    releaseReason: final.release_reason,
  };

  function current(): ReservationView {
    if (!view) throw new Error('reservation has no hold yet');
    return view;
  }

  function isSettled(): boolean {
    const status = current().status;
    return status !== 'HELD' && status !== 'PAYMENT_PENDING';
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
   * Keeps the ReservationStatus search attribute current for operators. Only when the starter indexed
   * this workflow with it (the API does): a server without the attribute registered would reject it.
   */
  function publishStatus(status: ReservationStatus | 'REJECTED'): void {
    const published = workflowInfo().typedSearchAttributes.get(ReservationStatusKey);
    // Each upsert is a visibility write on the server: skip the ones that change nothing.
    if (published === undefined || published === status) return;
    upsertSearchAttributes([{ key: ReservationStatusKey, value: status }]);
  }

  /** Runs the pushed compensations in reverse; nothing may cancel them half-way. */
  async function close(closing: Closing): Promise<void> {
    await CancellationScope.nonCancellable(async () => {
      while (compensations.length > 0) {
        const step = compensations.pop();
        if (step) await step(closing);
      }
    });
    publishStatus(current().status);
    log.info('reservation closed', { reservationId: input.reservationId, ...closing });
  }

  async function expireIfDue(): Promise<void> {
    if (current().status !== 'HELD' || Date.now() < deadline) return;
    await close({ status: 'EXPIRED', reason: 'HOLD_EXPIRED' });
  }

  /** Refuses an action on a reservation that is no longer held, with the contract's code. */
  async function assertHeld(): Promise<void> {
    const status = current().status;
    if (status === 'HELD' && Date.now() >= deadline) {
      // The timer is due but has not fired yet: the hold is over all the same.
      await close({ status: 'EXPIRED', reason: 'HOLD_EXPIRED' });
    }
    switch (current().status) {
      case 'HELD':
        return;
      case 'EXPIRED':
        throw businessFailure('RESERVATION_EXPIRED', 'the hold has expired and its seats were released');
      case 'CANCELLED':
        throw businessFailure('RESERVATION_CANCELLED', 'the reservation was cancelled');
      default:
        throw businessFailure('RESERVATION_NOT_ACTIVE', `the reservation is ${current().status}`);
    }
  }

  /** A deadline move that found the hold taken over (after a worker outage) ends the hold. */
  async function moveDeadline(until: number, kind: 'EXTENSION' | 'PAYMENT_GRACE'): Promise<void> {
    try {
      setView(await extendHold({ reservationId: input.reservationId, heldUntil: new Date(until).toISOString(), kind }));
    } catch (err) {
      if (hasCode(err, 'RESERVATION_EXPIRED')) {
        await close({ status: 'EXPIRED', reason: 'HOLD_LOST' });
        throw businessFailure('RESERVATION_EXPIRED', 'the hold has expired and its seats were released');
      }
      throw businessCause(err) ?? unavailable(err);
    }
    setDeadline(until);
  }

  async function confirm(request: ConfirmRequest): Promise<ReservationView> {
    if (current().status === 'CONFIRMED') return current();
    await assertHeld();
    // A payment that starts before the deadline keeps the hold for a short grace, so a buyer paying in
    // the last second is not refunded because the seat went to someone else meanwhile.
    const graceUntil = Date.now() + input.paymentGraceSeconds * 1000;
    if (graceUntil > deadline) await moveDeadline(graceUntil, 'PAYMENT_GRACE');
    else setView(await markPaymentPending({ reservationId: input.reservationId }).catch((err: unknown) => Promise.reject(unavailable(err))));
    const attempt = current().payment_attempts + 1;
    let paymentId: string;
    try {
      ({ paymentId } = await chargePayment({
        reservationId: input.reservationId,
        paymentMethodId: request.paymentMethodId,
        amountCents: current().total_price_cents,
        idempotencyKey: request.idempotencyKey
          ? `${input.reservationId}:client:${request.idempotencyKey}`
          : `${input.reservationId}:attempt:${attempt}`,
      }));
    } catch (err) {
      return paymentFailed(err);
    }
    return completeSale(paymentId);
  }

  async function paymentFailed(err: unknown): Promise<never> {
    const cause = businessCause(err);
    if (cause?.type !== 'PAYMENT_DECLINED') {
      // Nobody was charged (the same key is used on the next attempt): the hold is simply HELD again.
      setView(await markPaymentPending({ reservationId: input.reservationId, pending: false }).catch(() => ({ ...current(), status: 'HELD' as const })));
      throw unavailable(err);
    }
    const attempts = current().payment_attempts + 1;
    setView({ ...current(), status: 'HELD', payment_attempts: attempts });
    const remaining = Math.max(input.maxPaymentAttempts - attempts, 0);
    if (remaining === 0) await close({ status: 'CANCELLED', reason: 'PAYMENT_DECLINED' });
    throw businessFailure('PAYMENT_DECLINED', 'the payment was declined', {
      ...(cause.details?.[0] as Record<string, unknown> | undefined),
      payment_attempts: attempts,
      attempts_remaining: remaining,
      reservation_status: current().status,
    });
  }

  /** Money has been taken: it becomes a sale, or (hold lost) a refund. Never neither. */
  async function completeSale(paymentId: string): Promise<ReservationView> {
    compensations.push(async () => {
      await refundPayment({ paymentId });
    });
    try {
      setView(await sellInventory({ reservationId: input.reservationId, paymentId }));
    } catch (err) {
      if (!hasCode(err, 'RESERVATION_EXPIRED')) throw err;
      await close({ status: 'EXPIRED', reason: 'HOLD_LOST_PAYMENT_REFUNDED' });
      throw businessFailure('RESERVATION_EXPIRED', 'the hold lapsed before the sale; the payment was refunded', {
        refunded: true,
      });
    }
    compensations.length = 0;
    return current();
  }

  async function extend(): Promise<ReservationView> {
    await assertHeld();
    if (current().extensions_used >= input.maxExtensions) {
      throw businessFailure('EXTENSION_LIMIT', `a hold can be extended at most ${input.maxExtensions} time(s)`, {
        max_hold_extensions: input.maxExtensions,
      });
    }
    await moveDeadline(deadline + input.extensionSeconds * 1000, 'EXTENSION');
    return current();
  }

  async function cancel(): Promise<ReservationView> {
    const status = current().status;
    if (status === 'CANCELLED') return current();
    if (status === 'CONFIRMED') throw businessFailure('RESERVATION_CONFIRMED', 'a confirmed reservation cannot be cancelled');
    if (status === 'EXPIRED') throw businessFailure('RESERVATION_EXPIRED', 'the hold has already expired');
    await close({ status: 'CANCELLED', reason: 'CANCELLED_BY_USER' });
    return current();
  }

  /** Payments the provider reports asynchronously: a sale while held, a refund otherwise. */
  async function handleNotifications(): Promise<void> {
    for (const notification of notifications.splice(0)) {
      if (notification.status !== 'succeeded') {
        log.warn('provider reported a failed payment', { reservationId: input.reservationId, ...notification });
        continue;
      }
      const { paymentId } = await recordProviderPayment({
        reservationId: input.reservationId,
        providerPaymentId: notification.paymentId,
        amountCents: notification.amountCents,
      });
      const usable =
        current().status === 'HELD' && Date.now() < deadline && notification.amountCents === current().total_price_cents;
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
