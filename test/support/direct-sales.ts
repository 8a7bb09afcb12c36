import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import type { GaRequest, ReservationView } from '../../src/domain/reservation';
import { holdInventory } from '../../src/inventory/hold';
import { sellInventory } from '../../src/inventory/sell';
import { beginOrderRefund, completeOrderRefund } from '../../src/orders/refund-order';
import { chargeOnce, refundOnce } from '../../src/payments/payments-repository';
import type { PaymentProvider } from '../../src/payments/provider';
import { refundPurchaseOnce } from '../../src/resale/purchases';
import { ticketSigner } from '../../src/tickets/ticket-keys';
import { testTicketKeys } from './env';

export const signTicket = ticketSigner(testTicketKeys());

/** What the recording provider was asked to do, by idempotency key (a key asked again is listed again). */
export interface ProviderRecord {
  chargeKeys: string[];
  refunds: Array<{ idempotencyKey: string; amountCents: number }>;
  payoutKeys: string[];
}

/**
 * The payment processor, the one edge these suites cannot run for real: it captures every charge and
 * pays every payout, and remembers each charge, refund and payout it was asked for, so a test can
 * count them.
 */
export function recordingProvider(): PaymentProvider & ProviderRecord {
  const chargeKeys: string[] = [];
  const refunds: ProviderRecord['refunds'] = [];
  const payoutKeys: string[] = [];
  return {
    chargeKeys,
    refunds,
    payoutKeys,
    charge: async (r) => {
      chargeKeys.push(r.idempotencyKey);
      return { providerPaymentId: `test_${r.idempotencyKey}` };
    },
    resolve: async (key) => ({ status: 'SUCCEEDED', providerPaymentId: `test_${key}` }),
    refund: async (r) => {
      refunds.push({ idempotencyKey: r.idempotencyKey, amountCents: r.amountCents });
    },
    payout: async (r) => {
      payoutKeys.push(r.idempotencyKey);
      return { providerPayoutId: `test_${r.idempotencyKey}` };
    },
    resolvePayout: async (key) => ({ status: 'PAID', providerPayoutId: `test_${key}` }),
  };
}

export interface DirectSale {
  view: ReservationView;
  orderId: string;
  paymentId: string;
}

/** A hold, a capture and a sale, straight through the inventory and payment functions (no workflow). */
export async function sellDirectly(
  pool: Pool,
  provider: PaymentProvider,
  purchase: { eventId: string; userId: string; seatIds?: string[]; ga?: GaRequest[] },
): Promise<DirectSale> {
  const held = await holdInventory(pool, {
    reservationId: randomUUID(),
    eventId: purchase.eventId,
    userId: purchase.userId,
    seatIds: purchase.seatIds ?? [],
    ga: purchase.ga ?? [],
    heldUntil: new Date(Date.now() + 600_000),
    maxExtensions: 0,
    idempotencyKey: null,
  });
  const { paymentId } = await chargeOnce(pool, provider, {
    reservationId: held.reservation_id,
    paymentMethodId: 'pm_card_visa',
    amountCents: held.total_price_cents,
    idempotencyKey: `${held.reservation_id}:charge:1`,
  });
  const { view } = await sellInventory(pool, { reservationId: held.reservation_id, paymentId, signTicket });
  if (!view.order_id) throw new Error('the sale made no order');
  return { view, orderId: view.order_id, paymentId };
}

/**
 * The steps of the refund workflow, in its order: inventory back, tickets cancelled and listings
 * withdrawn; the order's money back; the resale purchases of places it sold on resale back to their
 * last buyers; done. The event's cancellation refunds with a reason of its own (its listings close as
 * EVENT_CANCELLED).
 */
export async function refundDirectly(pool: Pool, provider: PaymentProvider, orderId: string, actor = 'admin:test', reason = 'test'): Promise<void> {
  const started = await beginOrderRefund(pool, { orderId, actor, reason });
  const refunded = await refundOnce(pool, provider, started.paymentId);
  if (!refunded.refunded) throw new Error(`payment ${started.paymentId} was not refunded: ${refunded.reason}`);
  for (const purchaseId of started.resalePurchaseIds) {
    const given = await refundPurchaseOnce(pool, provider, purchaseId);
    if (!given.refunded) throw new Error(`resale purchase ${purchaseId} was not refunded: ${given.reason}`);
  }
  await completeOrderRefund(pool, orderId);
}

/** Tickets that open the door (ACTIVE or USED) per place: a seat, or a GA section of an order. */
export async function usableTickets(pool: Pool, where: { orderId?: string; seatId?: string; sectionId?: string }): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM tickets
      WHERE status IN ('ACTIVE', 'USED')
        AND ($1::uuid IS NULL OR order_id = $1) AND ($2::uuid IS NULL OR seat_id = $2) AND ($3::uuid IS NULL OR section_id = $3)`,
    [where.orderId ?? null, where.seatId ?? null, where.sectionId ?? null],
  );
  return rows[0]?.n ?? 0;
}

/** Whether the provider was asked to give back exactly `cents` by this key: at least once when there is money to give back, never when there is none. */
export function refundedExactly(record: ProviderRecord, idempotencyKey: string, cents: number): boolean {
  const asked = record.refunds.filter((r) => r.idempotencyKey === idempotencyKey);
  return cents === 0 ? asked.length === 0 : asked.length > 0 && asked.every((r) => r.amountCents === cents);
}
