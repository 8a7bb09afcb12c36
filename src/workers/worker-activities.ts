import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { Runtime } from '@temporalio/worker';
import type { Redis } from 'ioredis';
import type { Pool } from 'pg';
import { createDeploymentActivities } from '../activities/deployment-activities';
import { createEmailActivities } from '../activities/email-activities';
import type { OfferSettings } from '../activities/offer-workflows';
import { createOperationsActivities } from '../activities/operations-activities';
import { createOrderRefundActivities } from '../activities/order-refund-activities';
import { createPaymentActivities } from '../activities/payment-activities';
import { createPricingActivities } from '../activities/pricing-activities';
import { createReservationActivities } from '../activities/reservation-activities';
import { createResaleActivities } from '../activities/resale-activities';
import { createWaitingRoomActivities } from '../activities/waiting-room-activities';
import { createEmailStarter, EMAILS_WAIT_IN_OUTBOX, type EmailStarter } from '../email/email-starter';
import type { MailSettings } from '../email/mail-settings';
import type { PaymentProvider } from '../payments/provider';
import type { TicketKeys } from '../tickets/ticket-keys';

export interface WorkerActivityDeps {
  pool: Pool;
  redis: Redis;
  payments: PaymentProvider;
  ticketKeys: TicketKeys;
  /** Operators' workflows act through the reservations' own workflows; waiting-list offers start theirs. */
  temporal: Client;
  offerSettings?: OfferSettings;
  /** The SMTP server emails go through; without it they wait in the outbox (docs/email.md). */
  mail?: MailSettings | null;
  /** Where build retirement looks (Worker Versioning); without it the retirement activity is not registered. */
  deployment?: { namespace: string; deploymentName: string; retireAfterMs: number };
}

/** Every workflow family's activity set, as one worker process serves them all (one task queue). */
export function createWorkerActivities(deps: WorkerActivityDeps) {
  const emails = emailStarterOf(deps);
  return {
    ...createReservationActivities({ ...deps, emails }),
    ...createPaymentActivities(deps),
    ...createOrderRefundActivities({ ...deps, emails }),
    ...createEmailActivities(deps),
    ...createOperationsActivities(deps),
    ...createWaitingRoomActivities(deps),
    ...createPricingActivities(deps),
    ...createResaleActivities({ ...deps, emails }),
    ...(deps.deployment ? createDeploymentActivities({ pool: deps.pool, redis: deps.redis, temporal: deps.temporal, ...deps.deployment }) : {}),
  };
}

export type WorkerActivities = ReturnType<typeof createWorkerActivities>;

/** With SMTP settings, an action's emails start on the task queue the action's activity runs on. */
function emailStarterOf(deps: WorkerActivityDeps): EmailStarter {
  if (!deps.mail) return EMAILS_WAIT_IN_OUTBOX;
  return createEmailStarter({
    temporal: deps.temporal,
    taskQueue: () => deps.offerSettings?.taskQueue ?? Context.current().info.taskQueue,
    onStartFailed: (err) =>
      Runtime.instance().logger.warn('an email stays in the outbox for the sweep: its delivery did not start', { error: err instanceof Error ? err.message : String(err) }),
  });
}
