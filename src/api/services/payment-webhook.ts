import { createHmac, timingSafeEqual } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { z } from 'zod';
import { AppError } from '../../domain/errors';
import { loadReservationView } from '../../inventory/reservation-view';
import { markHandedOff, recordDelivery } from '../../payments/notifications-repository';
import { paymentNotificationSignal } from '../../workflows/definitions';
import { latePaymentWorkflowId, reservationWorkflowId } from '../../workflows/ids';
import type { latePaymentRefundWorkflow } from '../../workflows/late-payment-workflow';
import type { ApiDeps } from '../deps';
import type { webhookBody } from '../openapi/reservation-schemas';
import { isWorkflowGone } from '../temporal-errors';

/** The body must be signed with one of `secrets` (the current one, or the previous one while a rotation overlaps). */
export function assertSignature(secrets: readonly string[], rawBody: Buffer | undefined, signature: string | undefined): void {
  const invalid = new AppError('INVALID_SIGNATURE', 'the webhook signature does not match its body');
  if (!rawBody || !signature || !/^[0-9a-f]{64}$/i.test(signature)) throw invalid;
  const given = Buffer.from(signature, 'hex');
  const matches = secrets.map((secret) => timingSafeEqual(createHmac('sha256', secret).update(rawBody).digest(), given));
  if (!matches.includes(true)) throw invalid;
}

/**
 * Hands a provider's payment result to the reservation's workflow, which sells (still held) or
 * refunds (expired, cancelled). When that workflow has already finished, a successful payment is
 * refunded by a workflow of its own, keyed by the provider's payment id. Deliveries are at least
 * once: a notification already handed off is acknowledged (202) and changes nothing.
 */
export async function acceptPaymentWebhook(deps: ApiDeps, body: z.infer<typeof webhookBody>): Promise<void> {
  const reservation = await loadReservationView(deps.pool, body.reservation_id);
  if (!reservation) throw new AppError('NOT_FOUND', 'reservation not found');
  const notification = { reservationId: body.reservation_id, providerPaymentId: body.payment_id, status: body.status, amountCents: body.amount_cents };
  const { alreadyHandedOff } = await recordDelivery(deps.pool, notification);
  if (alreadyHandedOff) return;
  await handOff(deps, body);
  await markHandedOff(deps.pool, notification);
}

async function handOff(deps: ApiDeps, body: z.infer<typeof webhookBody>): Promise<void> {
  try {
    await deps.temporal.workflow
      .getHandle(reservationWorkflowId(body.reservation_id))
      .signal(paymentNotificationSignal, { paymentId: body.payment_id, status: body.status, amountCents: body.amount_cents });
    return;
  } catch (err) {
    if (!isWorkflowGone(err)) throw err;
  }
  if (body.status !== 'succeeded') return;
  try {
    await deps.temporal.workflow.start<typeof latePaymentRefundWorkflow>('latePaymentRefundWorkflow', {
      workflowId: latePaymentWorkflowId(body.payment_id),
      taskQueue: deps.config.TEMPORAL_TASK_QUEUE,
      args: [{ reservationId: body.reservation_id, providerPaymentId: body.payment_id, amountCents: body.amount_cents }],
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
}
