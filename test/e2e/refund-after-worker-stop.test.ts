import { Context } from '@temporalio/activity';
import type { Worker } from '@temporalio/worker';
import type { PaymentProvider } from '../../src/payments/provider';
import { createSimulatedProvider, simulatedLedger } from '../../src/payments/simulated-provider';
import { createWorker, type WorkerDeps } from '../../src/workers/create-worker';
import { refundProgressQuery } from '../../src/workflows/definitions';
import { refundOrderWorkflowId } from '../../src/workflows/ids';
import { gaCounter, paymentsOf, seatStatuses } from '../support/db-queries';
import { useE2eStack } from '../support/e2e-stack';
import { testTicketKeys, workflowBundle } from '../support/env';
import { createEventViaApi, registerBuyer } from '../support/scenario';

const e2e = useE2eStack();

/**
 * The real stack's worker is stopped in the middle of a refund (its provider call in flight) and a
 * new worker is started on the same task queue: the refund resumes where it stopped and finishes.
 */
describe('a refund interrupted by a worker stop', () => {
  test('when the worker stops while the provider refund is in flight, a worker started afterwards finishes the refund', async () => {
    const event = await createEventViaApi(e2e.api, e2e.admin, { rows: 1, seatsPerRow: 2, gaCapacity: 4 });
    const buyer = await registerBuyer(e2e.api);
    const held = await e2e.api.post('/api/v1/reservations', { event_id: event.eventId, seat_ids: [event.seatIds[0]], ga: [{ section_id: event.gaSectionId, quantity: 2 }] }, { token: buyer.token });
    const paid = await e2e.api.post(`/api/v1/reservations/${held.body.reservation_id}/confirm`, { payment_method_id: 'pm_card_visa' }, { token: buyer.token });
    expect(paid.body.status).toBe('CONFIRMED');
    const { pool, redis, temporal } = e2e.stack.server.deps;

    // The suite's own worker steps aside; this one's provider refund hangs until the worker stops.
    await e2e.stack.stopWorker();
    let refundStarted!: () => void;
    const refunding = new Promise<void>((resolve) => (refundStarted = resolve));
    const hanging: PaymentProvider = {
      ...createSimulatedProvider(redis),
      refund: () => {
        refundStarted();
        const { cancellationSignal } = Context.current();
        return new Promise<void>((_, reject) => cancellationSignal.addEventListener('abort', () => reject(new Error('the worker stopped'))));
      },
    };
    const first = await startWorker(hanging, '200ms');
    const refund = e2e.api.post(`/api/v1/orders/${paid.body.order_id}/refund`, undefined, { token: e2e.admin });
    await refunding;
    const handle = temporal.workflow.getHandle(refundOrderWorkflowId(paid.body.order_id));
    expect(await handle.query(refundProgressQuery)).toMatchObject({ step: 'REFUNDING_PAYMENT' });
    // The seats are back on sale already; the money is what is in flight.
    expect(await seatStatuses(pool, [event.seatIds[0]!])).toEqual(['AVAILABLE']);
    first.worker.shutdown();
    await first.running;

    const second = await startWorker(createSimulatedProvider(redis), '10s');
    try {
      expect(await handle.result()).toMatchObject({ status: 'REFUNDED', seatsReleased: [event.seatIds[0]] });
      const answer = await refund;
      expect([200, 202]).toContain(answer.status);
      const order = await e2e.api.get(`/api/v1/orders/${paid.body.order_id}`, { token: buyer.token });
      expect(order.body.status).toBe('REFUNDED');
      expect(await gaCounter(pool, event.eventId, event.gaSectionId!)).toMatchObject({ held: 0, sold: 0 });
      expect(await paymentsOf(pool, held.body.reservation_id)).toEqual([expect.objectContaining({ status: 'REFUNDED' })]);
      const [charge] = await simulatedLedger(redis).capturedCharges(held.body.reservation_id);
      expect(await simulatedLedger(redis).refunded(charge!.providerPaymentId)).toBe(true);
    } finally {
      second.worker.shutdown();
      await second.running;
    }
  }, 60_000);
});

async function startWorker(payments: PaymentProvider, shutdownGraceTime: WorkerDeps['shutdownGraceTime']): Promise<{ worker: Worker; running: Promise<void> }> {
  const { pool, redis, config, temporal } = e2e.stack.server.deps;
  const { worker, connection } = await createWorker({ config, pool, redis, payments, temporal, ticketKeys: testTicketKeys(), workflowBundle: workflowBundle(), shutdownGraceTime });
  const running = worker.run().finally(() => connection.close());
  return { worker, running };
}
