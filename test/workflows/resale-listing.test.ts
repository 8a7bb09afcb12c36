import { randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import type { ResaleListingInput } from '../../src/domain/resale';
import { beginOrderRefund } from '../../src/orders/refund-order';
import type { PaymentProvider } from '../../src/payments/provider';
import { simulatedLedger } from '../../src/payments/simulated-provider';
import { confirmUpdate } from '../../src/workflows/definitions';
import { resaleListingWorkflowId } from '../../src/workflows/ids';
import { openListingUpdate, purchaseListingUpdate } from '../../src/workflows/resale-definitions';
import { resaleListingWorkflow } from '../../src/workflows/resale-listing-workflow';
import { createUser, seedEvent } from '../support/fixtures';
import { failureCode, failureOf, reservationInput, startReservation, useTimeSkippingSuite, withWorker } from '../support/workflow-harness';

const suite = useTimeSkippingSuite();
const deps = () => ({ pool: suite.pool, redis: suite.redis });

/** A seller who paid for one GA place (50.00) of an event starting in two hours, which allows resale. */
async function sellerWithTicket() {
  const { event, gaSectionIds } = await seedEvent(suite.pool, {
    ga: [{ capacity: 5, price_cents: 5000 }],
    event: { starts_at: new Date(Date.now() + 2 * 3_600_000), resale: { allowed: true, max_price_percent: 100, fee_percent: 10 } },
  });
  const seller = await createUser(suite.pool, { name: 'Seller' });
  const order = await withWorker(suite.env, deps(), async (taskQueue) => {
    const input = reservationInput({ eventId: event.id, userId: seller.id, ga: [{ section_id: gaSectionIds[0]!, quantity: 1 }] });
    const { handle } = await startReservation(suite.env, taskQueue, input);
    return handle.executeUpdate(confirmUpdate, { args: [{ paymentMethodId: 'pm_card_visa', idempotencyKey: null }] });
  });
  return { event, seller, order, ticketId: order.tickets[0]!.ticket_id };
}

/** Starts a listing's workflow the way the API does (start, then the opening update). */
async function listIt(taskQueue: string, seller: { id: string }, ticketId: string, priceCents: number) {
  const input: ResaleListingInput = { listingId: randomUUID(), ticketId, sellerId: seller.id, requesterId: seller.id, requesterRole: 'user', priceCents };
  const handle = await suite.env.client.workflow.start(resaleListingWorkflow, { workflowId: resaleListingWorkflowId(input.listingId), taskQueue, args: [input] });
  const listing = await handle.executeUpdate(openListingUpdate);
  return { handle, listing, listingId: input.listingId };
}

const visa = (buyerId: string) => ({ args: [{ buyerId, paymentMethodId: 'pm_card_visa', idempotencyKey: null }] as [{ buyerId: string; paymentMethodId: string; idempotencyKey: null }] });

async function row<T>(sql: string, params: unknown[]): Promise<T> {
  return (await suite.pool.query(sql, params)).rows[0] as T;
}

/** A resale charge's key: `<listing>:<buyer>:charge:<n>` (a reservation's is `<reservation>:charge:<n>`). */
const isResaleCharge = (key: string): boolean => key.split(':').length === 4;

/** The processor charges resale buyers but its answer never comes back (a timeout after sending). */
function resaleChargeAnswersLost(processor: PaymentProvider, lost: { count: number }): PaymentProvider {
  return {
    ...processor,
    async charge(request) {
      const charged = await processor.charge(request);
      if (!isResaleCharge(request.idempotencyKey)) return charged;
      lost.count += 1;
      throw ApplicationFailure.nonRetryable('no answer from the processor after sending the charge', 'ProcessorTimeout');
    },
  };
}

describe('a listing on its own', () => {
  test("a listing nobody buys expires by itself when its event starts (time skipping); the ticket stays the seller's", async () => {
    const { seller, ticketId } = await sellerWithTicket();
    await withWorker(suite.env, deps(), async (taskQueue) => {
      const { handle, listing, listingId } = await listIt(taskQueue, seller, ticketId, 4000);
      expect(listing.status).toBe('LISTED');
      // Two hours pass in an instant: the listing's own timer fires at the event's start.
      expect(await handle.result()).toEqual({ listingId, status: 'EXPIRED', payoutId: null });
      expect(await row('SELECT status, close_reason FROM resale_listings WHERE id = $1', [listingId])).toEqual({ status: 'EXPIRED', close_reason: 'EXPIRED' });
      expect(await row('SELECT status, owner_id FROM tickets WHERE id = $1', [ticketId])).toEqual({ status: 'ACTIVE', owner_id: seller.id });
    });
  });

  test('a buyer whose charge answer was lost: the charge is settled by its key and becomes the sale, charged once, and the seller is paid once', async () => {
    const { seller, ticketId } = await sellerWithTicket();
    const buyer = await createUser(suite.pool, { name: 'Buyer' });
    const lost = { count: 0 };
    await withWorker(
      suite.env,
      deps(),
      async (taskQueue) => {
        const { handle, listingId } = await listIt(taskQueue, seller, ticketId, 4000);
        const bought = await handle.executeUpdate(purchaseListingUpdate, visa(buyer.id));
        expect(lost.count).toBe(1);
        expect(bought.listing.status).toBe('SOLD');
        expect(bought.ticket).toMatchObject({ owner_id: buyer.id, status: 'ACTIVE' });
        expect(await handle.result()).toMatchObject({ status: 'SOLD', payoutId: expect.any(String) });
        expect(await simulatedLedger(suite.redis).capturedCharges(listingId)).toHaveLength(1);
        expect(await row('SELECT status FROM resale_purchases WHERE listing_id = $1', [listingId])).toEqual({ status: 'SUCCEEDED' });
        expect(await simulatedLedger(suite.redis).paidPayouts(listingId)).toEqual([expect.objectContaining({ amountCents: 3600, destination: seller.id })]);
      },
      undefined,
      (processor) => resaleChargeAnswersLost(processor, lost),
    );
  });
});

describe("a seller's payout", () => {
  test('a payout whose answer was lost is settled by its key: the seller is paid once, with the first key', async () => {
    const { seller, ticketId } = await sellerWithTicket();
    const buyer = await createUser(suite.pool);
    let lost = 0;
    await withWorker(
      suite.env,
      deps(),
      async (taskQueue) => {
        const { handle, listingId } = await listIt(taskQueue, seller, ticketId, 5000);
        await handle.executeUpdate(purchaseListingUpdate, visa(buyer.id));
        expect(await handle.result()).toMatchObject({ status: 'SOLD' });
        expect(lost).toBe(1);
        const payouts = await suite.pool.query('SELECT idempotency_key, status, amount_cents FROM resale_payouts WHERE listing_id = $1', [listingId]);
        expect(payouts.rows).toEqual([{ idempotency_key: `${listingId}:payout:1`, status: 'PAID', amount_cents: 4500 }]);
        expect(await simulatedLedger(suite.redis).paidPayouts(listingId)).toEqual([{ idempotencyKey: `${listingId}:payout:1`, amountCents: 4500, destination: seller.id }]);
      },
      undefined,
      (processor) => ({
        ...processor,
        async payout(request) {
          const paid = await processor.payout(request);
          if (lost++ === 0) throw new Error('no answer from the processor after sending the payout');
          return paid;
        },
      }),
    );
  });

  test('a payout that never reached the processor is voided by its key and paid with the next one, once', async () => {
    const { seller, ticketId } = await sellerWithTicket();
    const buyer = await createUser(suite.pool);
    let attempts = 0;
    await withWorker(
      suite.env,
      deps(),
      async (taskQueue) => {
        const { handle, listingId } = await listIt(taskQueue, seller, ticketId, 5000);
        await handle.executeUpdate(purchaseListingUpdate, visa(buyer.id));
        expect(await handle.result()).toMatchObject({ status: 'SOLD' });
        const payouts = await suite.pool.query('SELECT idempotency_key, status FROM resale_payouts WHERE listing_id = $1 ORDER BY created_at', [listingId]);
        expect(payouts.rows).toEqual([
          { idempotency_key: `${listingId}:payout:1`, status: 'VOIDED' },
          { idempotency_key: `${listingId}:payout:2`, status: 'PAID' },
        ]);
        expect((await simulatedLedger(suite.redis).paidPayouts(listingId)).map((p) => p.idempotencyKey)).toEqual([`${listingId}:payout:2`]);
      },
      undefined,
      (processor) => ({
        ...processor,
        async payout(request) {
          if (attempts++ === 0) throw new Error('the processor could not be reached');
          return processor.payout(request);
        },
      }),
    );
  });
});

describe('a listing whose order is refunded while a buyer pays', () => {
  test('the sale is refused under the order lock, the buyer is refunded (409 LISTING_UNAVAILABLE) and the seller is not paid', async () => {
    const { seller, ticketId, order } = await sellerWithTicket();
    const buyer = await createUser(suite.pool);
    await withWorker(
      suite.env,
      deps(),
      async (taskQueue) => {
        const { handle, listingId } = await listIt(taskQueue, seller, ticketId, 5000);
        const refused = await failureOf(handle.executeUpdate(purchaseListingUpdate, visa(buyer.id)));
        expect(failureCode(refused)).toBe('LISTING_UNAVAILABLE');
        expect(await handle.result()).toEqual({ listingId, status: 'WITHDRAWN', payoutId: null });
        expect(await row('SELECT status FROM resale_purchases WHERE listing_id = $1', [listingId])).toEqual({ status: 'REFUNDED' });
        const [charge] = await simulatedLedger(suite.redis).capturedCharges(listingId);
        expect(await simulatedLedger(suite.redis).refundedAmount(charge!.providerPaymentId)).toBe(5000);
        expect(await suite.pool.query('SELECT 1 FROM resale_payouts WHERE listing_id = $1', [listingId])).toMatchObject({ rowCount: 0 });
        expect(await row('SELECT status, owner_id FROM tickets WHERE id = $1', [ticketId])).toEqual({ status: 'CANCELLED', owner_id: seller.id });
      },
      undefined,
      (processor) => ({
        ...processor,
        async charge(request) {
          // The admin's refund of the seller's order commits while the buyer's charge is at the processor.
          if (isResaleCharge(request.idempotencyKey)) await beginOrderRefund(suite.pool, { orderId: order.order_id!, actor: 'test', reason: 'refunded mid-purchase' });
          return processor.charge(request);
        },
      }),
    );
  });
});
