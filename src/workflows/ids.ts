/**
 * Workflow ids are derived from business ids in exactly one place, so the API, the worker and an
 * operator typing `temporal workflow describe -w reservation-<id>` all agree.
 */
/** The workflow type every new reservation starts as (older runs finish as `reservationWorkflow`). */
export const RESERVATION_WORKFLOW_TYPE = 'reservationWorkflowV3';

export function reservationWorkflowId(reservationId: string): string {
  return `reservation-${reservationId}`;
}

export function latePaymentWorkflowId(paymentId: string): string {
  return `late-payment-${paymentId}`;
}

/** One refund per order: a second request joins (or finds) the first. */
export function refundOrderWorkflowId(orderId: string): string {
  return `refund-order-${orderId}`;
}

/** One cancellation per event: asking again joins (or finds) it. */
export function cancelEventWorkflowId(eventId: string): string {
  return `cancel-event-${eventId}`;
}

/** The Schedule that starts reconciliation runs; its runs are `reconciliation-<time>`. */
export const RECONCILIATION_SCHEDULE_ID = 'reconciliation';

/** A run asked for by an operator: one per request. */
export function manualReconciliationWorkflowId(requestId: string): string {
  return `reconciliation-manual-${requestId}`;
}

/** One on-sale (waiting room) workflow per high-demand event. */
export function onSaleWorkflowId(eventId: string): string {
  return `on-sale-${eventId.toLowerCase()}`;
}
