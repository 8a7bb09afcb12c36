import type { Client } from '@temporalio/client';
import type { Redis } from 'ioredis';
import type { Pool } from 'pg';
import { createDeploymentActivities } from '../activities/deployment-activities';
import type { OfferSettings } from '../activities/offer-workflows';
import { createOperationsActivities } from '../activities/operations-activities';
import { createOrderRefundActivities } from '../activities/order-refund-activities';
import { createPaymentActivities } from '../activities/payment-activities';
import { createReservationActivities } from '../activities/reservation-activities';
import { createResaleActivities } from '../activities/resale-activities';
import { createWaitingRoomActivities } from '../activities/waiting-room-activities';
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
  /** Where build retirement looks (Worker Versioning); without it the retirement activity is not registered. */
  deployment?: { namespace: string; deploymentName: string; retireAfterMs: number };
}

/** Every workflow family's activity set, as one worker process serves them all (one task queue). */
export function createWorkerActivities(deps: WorkerActivityDeps) {
  return {
    ...createReservationActivities(deps),
    ...createPaymentActivities(deps),
    ...createOrderRefundActivities(deps),
    ...createOperationsActivities(deps),
    ...createWaitingRoomActivities(deps),
    ...createResaleActivities(deps),
    ...(deps.deployment ? createDeploymentActivities({ pool: deps.pool, redis: deps.redis, temporal: deps.temporal, ...deps.deployment }) : {}),
  };
}

export type WorkerActivities = ReturnType<typeof createWorkerActivities>;
