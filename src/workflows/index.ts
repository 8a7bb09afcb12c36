// The worker bundles this file: it lists every workflow type the task queue serves.
export { reservationWorkflow } from './reservation-workflow';
export { latePaymentRefundWorkflow } from './late-payment-workflow';
export { refundOrderWorkflow } from './refund-order-workflow';
export { cancelEventWorkflow } from './cancel-event-workflow';
export { reconciliationWorkflow } from './reconciliation-workflow';
export { onSaleWorkflow } from './on-sale-workflow';
export { floorWorkflow } from './floor-workflow';
