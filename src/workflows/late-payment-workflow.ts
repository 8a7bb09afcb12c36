import { proxyActivities } from '@temporalio/workflow';
import type { PaymentActivities } from '../activities/payment-activities';

const { recordProviderPayment, refundPayment } = proxyActivities<PaymentActivities>({
  startToCloseTimeout: '10s',
  retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '30s' },
});

/**
 * A provider payment that arrives after its reservation's workflow has finished (expired, cancelled or
 * paid another way): the money is recorded and given back. One workflow per provider payment id, so a
 * webhook delivered twice refunds once; and a notification of money that already paid for the
 * reservation's order (or went back already) changes nothing.
 */
export async function latePaymentRefundWorkflow(input: {
  reservationId: string;
  providerPaymentId: string;
  amountCents: number;
}): Promise<{ paymentId: string; refunded: boolean; reason?: string }> {
  const { paymentId, state, reservationId } = await recordProviderPayment(input);
  // The provider's payment is already recorded as another reservation's money: not ours to give back.
  if (reservationId !== input.reservationId) return { paymentId, refunded: false, reason: 'OTHER_RESERVATION' };
  if (state !== 'CAPTURED') return { paymentId, refunded: false, reason: state };
  const outcome = await refundPayment({ paymentId });
  return outcome.refunded ? { paymentId, refunded: true } : { paymentId, refunded: false, reason: outcome.reason };
}
