import { ApplicationFailure, proxyActivities, setHandler } from '@temporalio/workflow';
import type { OrderRefundActivities } from '../activities/order-refund-activities';
import type { PaymentActivities } from '../activities/payment-activities';
import type { ResaleActivities } from '../activities/resale-activities';
import { refundProgressQuery, type RefundOrderInput, type RefundOrderOutcome, type RefundProgress } from './definitions';

/**
 * Every step must eventually happen once the refund has begun: retried without limit. A step whose
 * worker died is given to another worker after its 10 s timeout (a provider refund takes seconds).
 */
const { beginOrderRefund, refundPayment, refundResalePurchases, completeOrderRefund } = proxyActivities<OrderRefundActivities & PaymentActivities & ResaleActivities>({
  startToCloseTimeout: '10s',
  retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '30s', nonRetryableErrorTypes: ['NOT_FOUND'] },
});

/**
 * Refunds one order (workflow id `refund-order-<order id>`): first the tickets stop working, its resale
 * listings are withdrawn and the seats and GA places go back on sale, all at once; then the payment
 * goes back through the provider (idempotency key from the payment), less the face value of places
 * resold, whose last resale buyers are refunded instead (docs/money.md, "Resale"); then the order reads
 * REFUNDED. Every step is idempotent, so a worker crash at any point resumes where it stopped, and a
 * second request finds the refund done.
 */
export async function refundOrderWorkflow(input: RefundOrderInput): Promise<RefundOrderOutcome> {
  const progress: RefundProgress = { orderId: input.orderId, step: 'RETURNING_INVENTORY', seatsReleased: [], gaReleased: [] };
  setHandler(refundProgressQuery, () => progress);

  const started = await beginOrderRefund({ orderId: input.orderId, actor: input.requestedBy, reason: input.reason });
  progress.seatsReleased = started.seatsReleased;
  progress.gaReleased = started.gaReleased;
  progress.step = 'REFUNDING_PAYMENT';
  const refund = await refundPayment({ paymentId: started.paymentId });
  if (!refund.refunded) {
    // The money is not this order's to give back (never captured): an operator must look.
    throw ApplicationFailure.nonRetryable(`payment ${started.paymentId} of order ${input.orderId} was not refunded: ${refund.reason}`, 'REFUND_NOT_POSSIBLE');
  }
  // Only an order with places sold on resale has this step (absent from the answers of earlier builds).
  if (started.resalePurchaseIds?.length) await refundResalePurchases({ purchaseIds: started.resalePurchaseIds });
  progress.step = 'COMPLETING';
  await completeOrderRefund({ orderId: input.orderId });
  progress.step = 'DONE';
  return { orderId: input.orderId, status: 'REFUNDED', seatsReleased: progress.seatsReleased, gaReleased: progress.gaReleased };
}
