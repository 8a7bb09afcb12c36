import { patched, proxyActivities } from '@temporalio/workflow';
import type { ReservationActivities } from '../activities';

const { recordProviderPayment, refundPayment } = proxyActivities<ReservationActivities>({
  startToCloseTimeout: '10s',
  retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '30s' },
});

/** Runs with this marker leave alone money already sold or refunded, and report what they did. */
export const LATE_PAYMENT_DEDUP_PATCH = 'late-payment-skips-handled-money';

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
  const { paymentId, state } = await recordProviderPayment(input);
  if (!patched(LATE_PAYMENT_DEDUP_PATCH)) {
    await refundPayment({ paymentId });
    return { paymentId, refunded: true };
  }
  if (state !== 'CAPTURED') return { paymentId, refunded: false, reason: state };
  const outcome = await refundPayment({ paymentId });
  return outcome.refunded ? { paymentId, refunded: true } : { paymentId, refunded: false, reason: outcome.reason };
}
