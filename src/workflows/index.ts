// The worker bundles this file: it lists every workflow type the task queue serves.
export { reservationWorkflow } from './reservation-workflow';
export { latePaymentRefundWorkflow } from './late-payment-workflow';
export { onSaleWorkflow } from './on-sale-workflow';
