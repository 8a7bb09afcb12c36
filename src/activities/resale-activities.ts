import type { Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { Pool } from 'pg';
import type { ListingView, PurchaseResult } from '../domain/resale';
import { EMAILS_WAIT_IN_OUTBOX, type EmailStarter } from '../email/email-starter';
import type { PaymentProvider } from '../payments/provider';
import type { RefundOutcome } from '../payments/payments-repository';
import { closeListing, type CloseReason } from '../resale/close-listing';
import { requireListing } from '../resale/listing-view';
import { openListing } from '../resale/open-listing';
import { payOutOnce, type PaidOut } from '../resale/payouts';
import { chargePurchaseOnce, refundPurchaseOnce, resolvePurchase, type PurchaseChargeCommand, type SettledPurchase } from '../resale/purchases';
import { sellListing } from '../resale/sell-listing';
import { ticketSigner, type TicketKeys } from '../tickets/ticket-keys';
import { createAppMetrics } from './app-metrics';
import { asBusinessFailure } from './business-failure';

export interface ResaleActivityDeps {
  pool: Pool;
  payments: PaymentProvider;
  /** The key a resale buyer's new ticket is signed with. */
  ticketKeys: TicketKeys;
  temporal: Client;
  /** Starts the emails a sale owes once it has committed (without it they wait for the sweep). */
  emails?: EmailStarter;
}

/**
 * The resale listing workflow's steps (src/resale does the SQL and the money), and the refund of
 * resale purchases an order's refund gives back. Each is idempotent (a listing by its id, a charge by
 * its key, a sale by its listing and charge, a payout by its listing, a refund by its purchase) and
 * turns a business refusal into a non-retryable ApplicationFailure with the contract's code.
 */
export function createResaleActivities({ pool, payments, ticketKeys, emails = EMAILS_WAIT_IN_OUTBOX }: ResaleActivityDeps) {
  const signTicket = ticketSigner(ticketKeys);
  const metrics = createAppMetrics();
  return {
    async openResaleListing(input: {
      listingId: string;
      ticketId: string;
      sellerId: string;
      requesterId: string;
      requesterRole: string;
      priceCents: number;
    }): Promise<ListingView> {
      return asBusinessFailure(() =>
        openListing(pool, {
          listingId: input.listingId,
          ticketId: input.ticketId,
          sellerId: input.sellerId,
          requester: { id: input.requesterId, role: input.requesterRole },
          priceCents: input.priceCents,
        }),
      );
    },

    /** Closes a listing that is LISTED (withdrawn, expired, or never confirmed as opened); answers it as it is. */
    async closeResaleListing(input: { listingId: string; status: 'WITHDRAWN' | 'EXPIRED'; reason: CloseReason }): Promise<ListingView | null> {
      const exists = await pool.query('SELECT 1 FROM resale_listings WHERE id = $1', [input.listingId]);
      if (exists.rowCount === 0) return null;
      return closeListing(pool, input.listingId, input.status, input.reason);
    },

    async readResaleListing(input: { listingId: string }): Promise<ListingView> {
      return (await requireListing(pool, input.listingId)).view;
    },

    async chargeResalePurchase(input: PurchaseChargeCommand): Promise<{ purchaseId: string }> {
      try {
        const charged = await asBusinessFailure(() => chargePurchaseOnce(pool, payments, input));
        metrics.payments.add(1, { outcome: 'captured' });
        return charged;
      } catch (err) {
        metrics.payments.add(1, { outcome: err instanceof ApplicationFailure && err.type === 'PAYMENT_DECLINED' ? 'declined' : 'unknown' });
        throw err;
      }
    },

    /** The outcome of a purchase's charge whose answer was lost; one that never happened can no longer happen. */
    async resolveResalePurchase(input: { idempotencyKey: string }): Promise<SettledPurchase> {
      return resolvePurchase(pool, payments, input.idempotencyKey);
    },

    async sellResaleListing(input: { listingId: string; purchaseId: string }): Promise<PurchaseResult> {
      return asBusinessFailure(() => emails.after(() => sellListing(pool, signTicket, input)));
    },

    async refundResalePurchase(input: { purchaseId: string }): Promise<RefundOutcome> {
      const outcome = await refundPurchaseOnce(pool, payments, input.purchaseId);
      if (outcome.refunded) metrics.payments.add(1, { outcome: 'refunded' });
      return outcome;
    },

    /** The resale purchases an order's refund gives back, each once; money that is not the order's to give back stops the refund. */
    async refundResalePurchases(input: { purchaseIds: string[] }): Promise<{ refunded: number }> {
      for (const purchaseId of input.purchaseIds) {
        const outcome = await refundPurchaseOnce(pool, payments, purchaseId);
        if (!outcome.refunded) {
          throw ApplicationFailure.nonRetryable(`resale purchase ${purchaseId} was not refunded: ${outcome.reason}`, 'REFUND_NOT_POSSIBLE');
        }
      }
      return { refunded: input.purchaseIds.length };
    },

    async payOutResaleSeller(input: { listingId: string }): Promise<PaidOut> {
      return payOutOnce(pool, payments, input.listingId);
    },
  };
}

export type ResaleActivities = ReturnType<typeof createResaleActivities>;
