import { randomUUID } from 'node:crypto';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { Pool } from 'pg';
import { createOperationsActivities } from '../../src/activities/operations-activities';
import { liveReservationsOf } from '../../src/operations/event-cancellation';
import { abandonHold } from '../../src/inventory/release';
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

  test('a reservation listed for release whose hold was abandoned meanwhile (its row is gone) counts as released, and a sold one as sold, instead of failing the step for ever', async () => {
    const { event, gaSectionIds } = await seedEvent(suite.pool, { ga: [{ capacity: 4 }] });
    const section = gaSectionIds[0]!;
    const hold = async () => {
      const user = await createUser(suite.pool);
      return holdInventory(suite.pool, {
        reservationId: randomUUID(), eventId: event.id, userId: user.id, seatIds: [], ga: [{ section_id: section, quantity: 1 }],
        heldUntil: new Date(Date.now() + 600_000), maxExtensions: 0, idempotencyKey: null,
      });
    };
    const [abandoned, paid] = [await hold(), await hold()];
    // The cancellation reads its page of live holds (no workflow runs for either: both are released directly)...
    const page = await liveReservationsOf(suite.pool, event.id, 10);
    expect(page.sort()).toEqual([abandoned.reservation_id, paid.reservation_id].sort());
    // ...and before it reaches them, the first hold's own failure path deletes its row and the second is sold.
    expect(await abandonHold(suite.pool, abandoned.reservation_id)).toEqual({ abandoned: true });
    const provider = createSimulatedProvider(suite.redis);
    const { paymentId } = await chargeOnce(suite.pool, provider, { reservationId: paid.reservation_id, paymentMethodId: 'pm_card_visa', amountCents: paid.total_price_cents, idempotencyKey: `${paid.reservation_id}:charge:1` });
    await sellInventory(suite.pool, { reservationId: paid.reservation_id, paymentId, signTicket: ticketSigner(testTicketKeys()) });

    const activities = createOperationsActivities({ pool: suite.pool, temporal: suite.env.client });
    const counted = await new MockActivityEnvironment().run(activities.cancelReservations, { reservationIds: page });
    expect(counted).toEqual({ released: 1, sold: 1 });
    expect(await gaCounter(suite.pool, event.id, section)).toMatchObject({ held: 0, sold: 1 });
  });
});
