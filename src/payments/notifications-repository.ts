import type { Pool } from 'pg';

export interface ProviderNotification {
  reservationId: string;
  providerPaymentId: string;
  status: 'succeeded' | 'failed';
  amountCents: number;
}

/**
 * Records one delivery of a provider notification, keyed by the provider's payment id and the status
 * it reports. Returns whether an earlier delivery of it was already handed to its workflow: then
 * this one is a duplicate and changes nothing. A delivery whose hand-off failed (503) is handed off
 * again on the provider's retry.
 */
export async function recordDelivery(pool: Pool, notification: ProviderNotification): Promise<{ alreadyHandedOff: boolean }> {
  const { rows } = await pool.query<{ handed_off: boolean }>(
    `INSERT INTO payment_notifications (provider_payment_id, status, reservation_id, amount_cents)
     VALUES ($1, $2, $3, $4)
     ON CONFLICT (provider_payment_id, status)
       DO UPDATE SET deliveries = payment_notifications.deliveries + 1, last_received_at = now()
     RETURNING handed_off_at IS NOT NULL AS handed_off`,
    [notification.providerPaymentId, notification.status, notification.reservationId, notification.amountCents],
  );
  return { alreadyHandedOff: rows[0]?.handed_off ?? false };
}

export async function markHandedOff(pool: Pool, notification: Pick<ProviderNotification, 'providerPaymentId' | 'status'>): Promise<void> {
  await pool.query(
    `UPDATE payment_notifications SET handed_off_at = now()
      WHERE provider_payment_id = $1 AND status = $2 AND handed_off_at IS NULL`,
    [notification.providerPaymentId, notification.status],
  );
}
