import type { Client } from '@temporalio/client';
import type { Redis } from 'ioredis';
import type { Pool } from 'pg';
import { EMAILS_WAIT_IN_OUTBOX, type EmailStarter } from '../email/email-starter';
import { announceInventoryChange } from '../inventory/inventory-signals';
import type { OrderStatus } from '../orders/orders-repository';
import { beginOrderRefund, completeOrderRefund, type RefundStart } from '../orders/refund-order';
import { tellListingsClosed } from '../resale/listing-workflows';
import { createAppMetrics } from './app-metrics';
import { asBusinessFailure } from './business-failure';
import { offerTakeOver } from './inventory-effects';
import { DEFAULT_OFFER_SETTINGS, type OfferSettings } from './offer-workflows';

export interface OrderRefundActivityDeps {
  pool: Pool;
  redis: Redis;
  temporal: Client;
  offerSettings?: OfferSettings;
  /** Starts the delivery of the emails a refund owes once it has committed. */
  emails?: EmailStarter;
}

/** The refund of an order (its payment goes back through payment-activities.ts). */
export function createOrderRefundActivities({ pool, redis, temporal, offerSettings = DEFAULT_OFFER_SETTINGS, emails = EMAILS_WAIT_IN_OUTBOX }: OrderRefundActivityDeps) {
  const metrics = createAppMetrics();
  const takeOver = offerTakeOver({ redis, temporal, offerSettings, metrics });
  return {
    /** An order's refund begins: tickets cancelled, listings withdrawn and inventory back on sale, in one transaction. */
    async beginOrderRefund(input: { orderId: string; actor: string; reason: string }): Promise<Omit<RefundStart, 'offers' | 'withdrawnListingIds'>> {
      const { offers, withdrawnListingIds, ...started } = await asBusinessFailure(() => emails.after(() => beginOrderRefund(pool, input)));
      await tellListingsClosed(temporal, withdrawnListingIds, 'ORDER_REFUNDED');
      const returned = started.seatsReleased.length + started.gaReleased.reduce((sum, g) => sum + g.quantity, 0);
      if (returned > 0) {
        metrics.placesRefunded.add(returned);
        await announceInventoryChange(redis, {
          eventId: started.eventId,
          counter: 'releases',
          amount: returned,
          cause: 'refund',
          seatIds: started.seatsReleased,
          gaSectionIds: started.gaReleased.map((g) => g.section_id),
        });
      }
      await takeOver(offers, returned > 0);
      return started;
    },

    async completeOrderRefund(input: { orderId: string }): Promise<OrderStatus> {
      return completeOrderRefund(pool, input.orderId);
    },
  };
}

export type OrderRefundActivities = ReturnType<typeof createOrderRefundActivities>;
