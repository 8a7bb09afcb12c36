import { proxyActivities } from '@temporalio/workflow';
import type { ReservationActivities } from '../activities';

const { recordProviderPayment, refundPayment } = proxyActivities<ReservationActivities>({
  startToCloseTimeout: '10s',
  retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '30s' },
});

/**
 * A provider payment that arrives after its reservation's workflow has finished (expired, cancelled or
 * paid another way): the money is recorded and given back. One workflow per provider payment id, so a
 * webhook delivered twice refunds once.
 */
export async function latePaymentRefundWorkflow(input: {
  reservationId: string;
  providerPaymentId: string;
  amountCents: number;
}): Promise<{ paymentId: string; refunded: true }> {
  const { paymentId } = await recordProviderPayment(input);
  await refundPayment({ paymentId });
  return { paymentId, refunded: true };
}
