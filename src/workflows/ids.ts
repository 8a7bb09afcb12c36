/**
 * Workflow ids are derived from business ids in exactly one place, so the API, the worker and an
 * operator typing `temporal workflow describe -w reservation-<id>` all agree.
 */
export function reservationWorkflowId(reservationId: string): string {
  return `reservation-${reservationId}`;
}

export function latePaymentWorkflowId(paymentId: string): string {
  return `late-payment-${paymentId}`;
}

/** One on-sale (waiting room) workflow per high-demand event. */
export function onSaleWorkflowId(eventId: string): string {
  return `on-sale-${eventId.toLowerCase()}`;
}
