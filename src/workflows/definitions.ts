/**
 * The reservation workflow's public surface, defined once: the API (client side) and the workflow
 * (handler side) both import these, so a name or a payload type cannot drift between them.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { defineSearchAttributeKey } from '@temporalio/common';
import type {
  ConfirmRequest,
  HoldRequest,
  PaymentNotification,
  ReservationInput,
  ReservationView,
} from '../domain/reservation';

/** The hold's result; the API runs it with update-with-start so POST /reservations answers at once. */
export interface HoldResult {
  reservation: ReservationView;
  /** False when this request joined a reservation an earlier request with the same idempotency key made. */
  created: boolean;
}
export const holdUpdate = defineUpdate<HoldResult, [HoldRequest]>('hold');
export const confirmUpdate = defineUpdate<ReservationView, [ConfirmRequest]>('confirm');
export const extendUpdate = defineUpdate<ReservationView, []>('extend');
export const cancelUpdate = defineUpdate<ReservationView, []>('cancel');

/** An asynchronous payment result from the provider's webhook. */
export const paymentNotificationSignal = defineSignal<[PaymentNotification]>('paymentNotification');

export const reservationQuery = defineQuery<ReservationView | null>('reservation');

/** Custom search attributes, registered on the server by the stack scripts, so operators can filter. */
export const ReservationStatusKey = defineSearchAttributeKey('ReservationStatus', 'KEYWORD');
export const EventIdKey = defineSearchAttributeKey('EventId', 'KEYWORD');
export const UserIdKey = defineSearchAttributeKey('UserId', 'KEYWORD');

export type { ReservationInput };

/** The refund of one order: who asked and why (kept in the order and the audit trail). */
export interface RefundOrderInput {
  orderId: string;
  /** `user:<id>` of the admin, or the process that asked (an event's cancellation). */
  requestedBy: string;
  reason: string;
}

export interface RefundProgress {
  orderId: string;
  step: 'RETURNING_INVENTORY' | 'REFUNDING_PAYMENT' | 'COMPLETING' | 'DONE';
  seatsReleased: string[];
  gaReleased: Array<{ section_id: string; quantity: number }>;
}

export interface RefundOrderOutcome {
  orderId: string;
  status: 'REFUNDED';
  seatsReleased: string[];
  gaReleased: Array<{ section_id: string; quantity: number }>;
}

/** Where an order's refund stands, for operators (`temporal workflow query --type refundProgress`). */
export const refundProgressQuery = defineQuery<RefundProgress>('refundProgress');

/** Where an event's cancellation stands (a query, and GET /api/v1/admin/events/{id}/cancellation). */
export interface CancelEventProgress {
  eventId: string;
  reason: string;
  requestedBy: string;
  phase: 'MARKING' | 'RELEASING_HOLDS' | 'REFUNDING_ORDERS' | 'SWEEPING' | 'DONE';
  cancelledAt: string | null;
  holdsReleased: number;
  /** Holds whose payment completed before the cancel reached them: sold, then refunded with the orders. */
  holdsSoldMeanwhile: number;
  ordersRefunded: number;
  /** Orders whose refund someone else had already started (an admin, an earlier run). */
  ordersAlreadyRefunding: number;
  /** Runs of the workflow so far (it continues as new to keep each history small). */
  runs: number;
  finishedAt: string | null;
}

export interface CancelEventInput {
  eventId: string;
  reason: string;
  requestedBy: string;
  /** How long a hold already under way when the event was cancelled may take to commit (the last look waits it out). */
  stragglerWaitSeconds: number;
  /** Reservations or orders handled per step (default 100), and steps per run before continuing as new (default 50). */
  pageSize?: number;
  stepsPerRun?: number;
  /** Carried across continue-as-new. */
  progress?: CancelEventProgress;
}

export const cancelEventProgressQuery = defineQuery<CancelEventProgress>('cancellationProgress');

