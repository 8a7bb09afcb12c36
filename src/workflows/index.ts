// The worker bundles this file: it lists every workflow type the task queue serves.
export { reservationWorkflowV3 } from './reservation-workflow';
// Runs started before the V3 type (and the V1 code before them) finish on the frozen code.
export { reservationWorkflow } from './reservation-workflow-v2';
export { latePaymentRefundWorkflow } from './late-payment-workflow';
export { refundOrderWorkflow } from './refund-order-workflow';
export { cancelEventWorkflow } from './cancel-event-workflow';
export { reconciliationWorkflow } from './reconciliation-workflow';
export { onSaleWorkflow } from './on-sale-workflow';
export { floorWorkflow } from './floor-workflow';
