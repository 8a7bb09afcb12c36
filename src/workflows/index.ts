// The worker bundles this file: it lists every workflow type the task queue serves. Which build a run
// finishes on is Worker Versioning's business (docs/upgrades.md), so no older copy is kept here.
export { reservationWorkflow } from './reservation-workflow';
export { latePaymentRefundWorkflow } from './late-payment-workflow';
export { refundOrderWorkflow } from './refund-order-workflow';
export { cancelEventWorkflow } from './cancel-event-workflow';
export { reconciliationWorkflow } from './reconciliation-workflow';
export { onSaleWorkflow } from './on-sale-workflow';
export { pricingWorkflow } from './pricing-workflow';
export { retireBuildsWorkflow } from './retire-builds-workflow';
export { emailWorkflow } from './email-workflow';
export { emailSweepWorkflow } from './email-sweep-workflow';
export { resaleListingWorkflow } from './resale-listing-workflow';
