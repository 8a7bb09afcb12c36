/**
 * Workflow ids are derived from business ids in exactly one place, so the API, the worker and an
 * operator typing `temporal workflow describe -w reservation-<id>` all agree.
 */
/** The reservation's workflow type (its function's name: src/workflows/reservation-workflow.ts). */
export const RESERVATION_WORKFLOW_TYPE = 'reservationWorkflow';

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

/** The Schedule that retires builds of the workflow code no open run needs (docs/upgrades.md). */
export const RETIRE_BUILDS_SCHEDULE_ID = 'retire-builds';

/** One on-sale (waiting room) workflow per high-demand event. */
export function onSaleWorkflowId(eventId: string): string {
  return `on-sale-${eventId.toLowerCase()}`;
}

/** One pricing workflow per DEMAND event, started with the event (USE_EXISTING). */
export function pricingWorkflowId(eventId: string): string {
  return `pricing-${eventId.toLowerCase()}`;
}

/** The email workflow's type (src/workflows/email-workflow.ts). */
export const EMAIL_WORKFLOW_TYPE = 'emailWorkflow';

/** One delivery per outbox row: `email-<kind>-<business id>`, e.g. `email-order-confirmed-<order id>`. */
export function emailWorkflowId(key: { kind: string; businessId: string }): string {
  return `email-${key.kind.toLowerCase().replace(/_/g, '-')}-${key.businessId}`;
}

/** The Schedule that starts the delivery of emails whose start after their commit failed. */
export const EMAIL_SWEEP_SCHEDULE_ID = 'email-sweep';

/** One workflow per resale listing (its id is made by the API, one per listing request). */
export function resaleListingWorkflowId(listingId: string): string {
  return `resale-listing-${listingId}`;
}

/** The listing workflow's type (its function's name: src/workflows/resale-listing-workflow.ts). */
export const RESALE_LISTING_WORKFLOW_TYPE = 'resaleListingWorkflow';
