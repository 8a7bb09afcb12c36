import { randomUUID } from 'node:crypto';
import { WithStartWorkflowOperation, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { z } from 'zod';
import { verifyingSecrets } from '../../config';
import { AppError } from '../../domain/errors';
import type { ReservationInput, ReservationView } from '../../domain/reservation';
import { saleWindowAt, type EventFacts } from '../../events/event-facts';
import { reservationRequestHash, storedRequestHash } from '../../inventory/request-fingerprint';
import { reservationIdFor } from '../../inventory/reservation-ids';
import { loadReleased, loadReservationView, reservationOwner } from '../../inventory/reservation-view';
import { presaleCodeMatches, refuseOutsideSale } from '../../inventory/sale-window';
import type { AuthUser } from '../../users/auth-user';
import {
  EventIdKey,
  ReservationStatusKey,
  UserIdKey,
  cancelUpdate,
  confirmUpdate,
  extendUpdate,
  holdUpdate,
} from '../../workflows/definitions';
import { RESERVATION_WORKFLOW_TYPE, reservationWorkflowId } from '../../workflows/ids';
import type { reservationWorkflow } from '../../workflows/reservation-workflow';
import type { ApiDeps } from '../deps';
import type { createReservationBody } from '../openapi/reservation-schemas';
import { isTemporalTimeout, isUpdateDroppedWithItsTask, isWorkflowGone, refusalFrom } from '../temporal-errors';
import { reportHoldLatency } from '../../waiting-room/hold-latencies';
import { assertQueueAdmission } from './queue-admission';

type CreateBody = z.infer<typeof createReservationBody>;

/** A buyer waits this long for an answer; past it they get 503 and the workflow carries on safely. */
const UPDATE_DEADLINE_MS = 20_000;

export interface CreateResult {
  reservation: ReservationView;
  created: boolean;
}

/**
 * Validates the request against the event, then starts the reservation's workflow and waits for its
 * hold in one call (update-with-start). The workflow id comes from the reservation id, which comes
 * from the idempotency key when there is one: a retried or concurrent POST joins the same workflow.
 */
export async function createReservation(
  deps: ApiDeps,
  user: AuthUser,
  body: CreateBody,
  idempotencyKey: string | null,
  queueToken: string | null,
  /** When the request arrived (performance.now()): an admitted fan's hold time steers the waiting room. */
  receivedAt?: number,
): Promise<CreateResult> {
  const reservationId = reservationIdFor(user.id, idempotencyKey);
  const requestHash = reservationRequestHash(body);
  // A retry is answered before anything that may have changed since the first request (the sale's
  // window, the queue token): it gets its reservation, never a new refusal. The request has already
  // counted against the buyer's budget (the route does it first); over it, replayOfEarlierHold answers.
  if (idempotencyKey) {
    const earlier = await findEarlierRequest(deps, reservationId, requestHash);
    if (earlier) return { reservation: earlier, created: false };
  }

  const facts = await deps.eventFacts.get(deps.pool, body.event_id);
  const { rules } = facts;
  const sale = saleWindowAt(facts, Date.now());
  refuseOutsideSale(rules.id, sale);
  // The code is checked here; the window and its per-user limit again in the hold's transaction.
  if (sale.presale && !(await presaleCodeMatches(deps.pool, sale.presale.id, body.presale_code))) {
    throw new AppError('PRESALE_CODE_REQUIRED', body.presale_code ? 'this presale code is not valid' : 'a presale is open: presale_code is required', {
      event_id: rules.id,
    });
  }
  const queueTokenId = rules.high_demand
    ? assertQueueAdmission(verifyingSecrets(deps.config.QUEUE_TOKEN_SECRET, deps.config.QUEUE_TOKEN_SECRET_PREVIOUS), body.event_id, user.id, queueToken)
    : null;
  validateAgainstEvent(facts, body);

  const input: ReservationInput = {
    reservationId,
    eventId: body.event_id,
    userId: user.id,
    seatIds: body.seat_ids,
    ga: body.ga,
    holdSeconds: body.hold_duration_seconds ?? rules.hold_duration_seconds,
    extensionSeconds: rules.hold_duration_seconds,
    maxExtensions: rules.max_hold_extensions,
    paymentGraceSeconds: deps.config.PAYMENT_GRACE_SECONDS,
    maxPaymentAttempts: deps.config.MAX_PAYMENT_ATTEMPTS,
    idempotencyKey,
    requestHash: idempotencyKey ? requestHash : null,
    queueTokenId,
  };
  const start = new WithStartWorkflowOperation<typeof reservationWorkflow>(RESERVATION_WORKFLOW_TYPE, {
    workflowId: reservationWorkflowId(reservationId),
    taskQueue: deps.config.TEMPORAL_TASK_QUEUE,
    args: [input],
    // A running reservation is joined (same key, same hold); one that was refused may be tried again;
    // one that finished is answered from the read model below.
    workflowIdConflictPolicy: 'USE_EXISTING',
    workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
    typedSearchAttributes: [
      { key: EventIdKey, value: body.event_id },
      { key: UserIdKey, value: user.id },
      // The outcome almost every hold has; the workflow corrects it (REJECTED) in the rare other case,
      // which saves a visibility write per reservation.
      { key: ReservationStatusKey, value: 'HELD' },
    ],
  });
  try {
    return await withDeadline(deps, () =>
      deps.temporal.workflow.executeUpdateWithStart(holdUpdate, {
        args: [{ requestId: randomUUID(), requestHash }],
        startWorkflowOperation: start,
      }),
    );
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) {
      const finished = await findEarlierRequest(deps, reservationId, requestHash);
      if (finished) return { reservation: finished, created: false };
    }
    throw translate(err);
  } finally {
    // What an admitted fan waited for this hold, answered or refused (src/domain/admission-control.ts).
    if (rules.high_demand && receivedAt !== undefined) reportHoldLatency(deps.redis, rules.id, performance.now() - receivedAt);
  }
}

/**
 * The reservation an earlier request with this key and this body made, or null: what a retry over the
 * buyer's budget is still answered with (it holds nothing new). Refuses nothing itself.
 */
export async function replayOfEarlierHold(deps: ApiDeps, user: AuthUser, body: CreateBody, idempotencyKey: string): Promise<ReservationView | null> {
  const reservationId = reservationIdFor(user.id, idempotencyKey);
  const earlier = await loadReservationView(deps.pool, reservationId);
  if (!earlier) return null;
  const firstHash = await storedRequestHash(deps.pool, reservationId);
  return !firstHash || firstHash === reservationRequestHash(body) ? earlier : null;
}

/** The reservation an earlier request with the same key made; the same key with another body is refused. */
async function findEarlierRequest(deps: ApiDeps, reservationId: string, requestHash: string): Promise<ReservationView | null> {
  const earlier = await loadReservationView(deps.pool, reservationId);
  if (!earlier) return null;
  const firstHash = await storedRequestHash(deps.pool, reservationId);
  if (firstHash && firstHash !== requestHash) {
    throw new AppError('IDEMPOTENCY_KEY_REUSED', 'this X-Idempotency-Key was already used with a different request body', {
      reservation_id: reservationId,
    });
  }
  return earlier;
}

function validateAgainstEvent(facts: EventFacts, body: CreateBody): void {
  const maxTickets = facts.rules.max_tickets_per_order;
  const requested = body.seat_ids.length + body.ga.reduce((sum, line) => sum + line.quantity, 0);
  if (requested > maxTickets) {
    throw new AppError('VALIDATION_ERROR', `at most ${maxTickets} tickets per order`, {
      details: [{ field: 'seat_ids', message: `${requested} tickets requested, the limit is ${maxTickets}` }],
    });
  }
  const foreign = body.seat_ids.filter((id) => !facts.seatIds.has(id.toLowerCase()));
  const notGa = body.ga.filter((line) => !facts.gaSections.has(line.section_id.toLowerCase()));
  const details = [
    ...foreign.map((id) => ({ field: 'seat_ids', message: `seat ${id} does not belong to this event` })),
    ...notGa.map((line) => ({ field: 'ga.section_id', message: `section ${line.section_id} has no GA tickets for this event` })),
  ];
  if (details.length > 0) throw new AppError('VALIDATION_ERROR', 'the request names inventory of another event', { details });
}

/** The owner, or an admin, may see a reservation; anyone else is told it does not exist. */
export async function getReservation(deps: ApiDeps, user: AuthUser, reservationId: string): Promise<ReservationView> {
  const view = await loadReservationView(deps.pool, reservationId);
  if (!view || (view.user_id !== user.id && user.role !== 'admin')) {
    throw new AppError('NOT_FOUND', 'reservation not found');
  }
  return view;
}

/** Only the owner (or an admin) may act on a reservation; anyone else is told it does not exist. */
async function assertMayAct(deps: ApiDeps, user: AuthUser, reservationId: string): Promise<void> {
  const owner = await reservationOwner(deps.pool, reservationId);
  if (!owner || (owner !== user.id && user.role !== 'admin')) throw new AppError('NOT_FOUND', 'reservation not found');
}

export async function confirmReservation(
  deps: ApiDeps,
  user: AuthUser,
  reservationId: string,
  paymentMethodId: string,
  idempotencyKey: string | null,
): Promise<ReservationView> {
  await assertMayAct(deps, user, reservationId);
  // The key goes to the workflow, which keeps each key's final answer; it is not the update id, which
  // the server would hold to its first outcome even when that was a 503 meant to be retried.
  return runAction(deps, reservationId, (handle) => handle.executeUpdate(confirmUpdate, { args: [{ paymentMethodId, idempotencyKey }] }));
}

export async function extendReservation(deps: ApiDeps, user: AuthUser, reservationId: string): Promise<ReservationView> {
  await assertMayAct(deps, user, reservationId);
  return runAction(deps, reservationId, (handle) => handle.executeUpdate(extendUpdate));
}

export async function cancelReservation(deps: ApiDeps, user: AuthUser, reservationId: string): Promise<ReservationView> {
  await assertMayAct(deps, user, reservationId);
  return runAction(deps, reservationId, (handle) => handle.executeUpdate(cancelUpdate), async (view) => {
    if (view.status !== 'CANCELLED') return null;
    const released = await loadReleased(deps.pool, reservationId);
    return { ...view, seats_released: released.seats, ga_released: released.ga };
  });
}

type Handle = ReturnType<ApiDeps['temporal']['workflow']['getHandle']>;

/**
 * Sends an action to the reservation's workflow. A finished workflow answers from the read model: a
 * confirmed reservation is returned as it is, an expired or cancelled one refused with its code.
 */
async function runAction(
  deps: ApiDeps,
  reservationId: string,
  action: (handle: Handle) => Promise<ReservationView>,
  whenFinished: (view: ReservationView) => Promise<ReservationView | null> = async (view) => (view.status === 'CONFIRMED' ? view : null),
): Promise<ReservationView> {
  const handle = deps.temporal.workflow.getHandle(reservationWorkflowId(reservationId));
  try {
    return await withDeadline(deps, () => action(handle));
  } catch (err) {
    if (!isWorkflowGone(err)) throw translate(err);
    const view = await loadReservationView(deps.pool, reservationId);
    if (!view) throw new AppError('NOT_FOUND', 'reservation not found');
    const answer = await whenFinished(view);
    if (answer) return answer;
    throw refusalForFinished(view);
  }
}

function refusalForFinished(view: ReservationView): AppError {
  switch (view.status) {
    case 'EXPIRED':
      return new AppError('RESERVATION_EXPIRED', 'the hold has expired and its seats were released');
    case 'CANCELLED':
      return new AppError('RESERVATION_CANCELLED', 'the reservation was cancelled', { release_reason: view.release_reason });
    case 'CONFIRMED':
      return new AppError('RESERVATION_CONFIRMED', 'the reservation is already confirmed');
    default:
      return new AppError('RESERVATION_NOT_ACTIVE', `the reservation is ${view.status}`);
  }
}

function translate(err: unknown): unknown {
  const refusal = refusalFrom(err);
  if (refusal) return refusal;
  if (isTemporalTimeout(err)) return new AppError('UNAVAILABLE', 'the reservation service did not answer in time; retry with the same key');
  if (isUpdateDroppedWithItsTask(err)) return new AppError('UNAVAILABLE', 'the reservation service lost the answer; retry with the same key');
  return err;
}

function withDeadline<T>(deps: ApiDeps, fn: () => Promise<T>): Promise<T> {
  return deps.temporal.connection.withDeadline(Date.now() + UPDATE_DEADLINE_MS, fn);
}
