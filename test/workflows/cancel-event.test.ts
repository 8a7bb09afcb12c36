import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { holdInventory } from '../../src/inventory/hold';
import { sellInventory } from '../../src/inventory/sell';
import { chargeOnce } from '../../src/payments/payments-repository';
import { createSimulatedProvider } from '../../src/payments/simulated-provider';
import { ticketSigner } from '../../src/tickets/ticket-keys';
import { cancelEventWorkflow } from '../../src/workflows/cancel-event-workflow';
import { cancelEventProgressQuery } from '../../src/workflows/definitions';
import { gaCounter } from '../support/db-queries';
import { testTicketKeys } from '../support/env';
import { createUser, seedEvent } from '../support/fixtures';
import { useTimeSkippingSuite, withWorker } from '../support/workflow-harness';

const suite = useTimeSkippingSuite();

/** `count` paid orders of one GA place each, sold straight through the inventory functions. */
async function paidOrders(pool: Pool, eventId: string, sectionId: string, count: number): Promise<void> {
  const provider = createSimulatedProvider(suite.redis);
  for (let i = 0; i < count; i++) {
    const user = await createUser(pool);
    const view = await holdInventory(pool, {
      reservationId: randomUUID(), eventId, userId: user.id, seatIds: [], ga: [{ section_id: sectionId, quantity: 1 }],
      heldUntil: new Date(Date.now() + 600_000), maxExtensions: 0, idempotencyKey: null,
    });
    const { paymentId } = await chargeOnce(pool, provider, { reservationId: view.reservation_id, paymentMethodId: 'pm_card_visa', amountCents: view.total_price_cents, idempotencyKey: `${view.reservation_id}:charge:1` });
    await sellInventory(pool, { reservationId: view.reservation_id, paymentId, signTicket: ticketSigner(testTicketKeys()) });
  }
}

describe("an event's cancellation workflow", () => {
  test('a large event is worked through a page at a time, continuing as new, until every order is refunded exactly once', async () => {
    const { event, gaSectionIds } = await seedEvent(suite.pool, { ga: [{ capacity: 40 }] });
    await paidOrders(suite.pool, event.id, gaSectionIds[0]!, 23);
    await withWorker(suite.env, { pool: suite.pool, redis: suite.redis }, async (taskQueue) => {
      const handle = await suite.env.client.workflow.start(cancelEventWorkflow, {
        workflowId: `cancel-event-test-${event.id}`,
        taskQueue,
        args: [{ eventId: event.id, reason: 'test', requestedBy: 'test', stragglerWaitSeconds: 15, pageSize: 5, stepsPerRun: 2 }],
      });
      const progress = await handle.result();
      expect(progress).toMatchObject({ phase: 'DONE', ordersRefunded: 23, holdsReleased: 0 });
      expect(progress.runs).toBeGreaterThan(3);
      expect(await handle.query(cancelEventProgressQuery)).toMatchObject({ phase: 'DONE', ordersRefunded: 23 });
      expect(await gaCounter(suite.pool, event.id, gaSectionIds[0]!)).toMatchObject({ held: 0, sold: 0 });
      const { rows } = await suite.pool.query(`SELECT status, count(*)::int AS n FROM orders WHERE event_id = $1 GROUP BY status`, [event.id]);
      expect(rows).toEqual([{ status: 'REFUNDED', n: 23 }]);
      const refunds = await suite.pool.query(
        `SELECT count(*)::int AS n FROM payment_events pe JOIN reservations r ON r.id = pe.reservation_id WHERE r.event_id = $1 AND pe.status = 'REFUNDED'`,
        [event.id],
      );
      expect(refunds.rows[0].n).toBe(23);
    });
  });
});
