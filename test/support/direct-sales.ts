import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import type { GaRequest, ReservationView } from '../../src/domain/reservation';
import { holdInventory } from '../../src/inventory/hold';
import { sellInventory } from '../../src/inventory/sell';
import { beginOrderRefund, completeOrderRefund } from '../../src/orders/refund-order';
import { chargeOnce, refundOnce } from '../../src/payments/payments-repository';
import type { PaymentProvider } from '../../src/payments/provider';
import { ticketSigner } from '../../src/tickets/ticket-keys';
import { testTicketKeys } from './env';

export const signTicket = ticketSigner(testTicketKeys());

/**
 * The payment processor, the one edge these suites cannot run for real: it captures every charge and
 * remembers each refund it was asked for (by idempotency key), so a test can count them.
 */
export function recordingProvider(): PaymentProvider & { refundKeys: string[] } {
  const refundKeys: string[] = [];
  return {
    refundKeys,
    charge: async (r) => ({ providerPaymentId: `test_${r.idempotencyKey}` }),
    resolve: async (key) => ({ status: 'SUCCEEDED', providerPaymentId: `test_${key}` }),
    refund: async (r) => {
      refundKeys.push(r.idempotencyKey);
    },
    payout: async (r) => ({ providerPayoutId: `test_${r.idempotencyKey}` }),
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

/** The three steps of the refund workflow, in its order: inventory back and tickets cancelled, money back, done. */
export async function refundDirectly(pool: Pool, provider: PaymentProvider, orderId: string, actor = 'admin:test'): Promise<void> {
  const started = await beginOrderRefund(pool, { orderId, actor, reason: 'test' });
  const refunded = await refundOnce(pool, provider, started.paymentId);
  if (!refunded.refunded) throw new Error(`payment ${started.paymentId} was not refunded: ${refunded.reason}`);
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
