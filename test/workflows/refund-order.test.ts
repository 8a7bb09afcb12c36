import { confirmUpdate } from '../../src/workflows/definitions';
import { refundOrderWorkflow } from '../../src/workflows/refund-order-workflow';
import { createUser, seedEvent } from '../support/fixtures';
import { reservationInput, startReservation, useTimeSkippingSuite, withWorker } from '../support/workflow-harness';

const suite = useTimeSkippingSuite();

/** A paid order of one seat and two GA places. */
async function paidOrder() {
  const { event, seatIds, gaSectionIds } = await seedEvent(suite.pool, { seated: [{ rows: 1, seats_per_row: 2 }], ga: [{ capacity: 5 }] });
  const user = await createUser(suite.pool);
  const input = reservationInput({ eventId: event.id, userId: user.id, seatIds: seatIds.slice(0, 1), ga: [{ section_id: gaSectionIds[0]!, quantity: 2 }] });
  const view = await withWorker(suite.env, { pool: suite.pool, redis: suite.redis }, async (taskQueue) => {
    const { handle } = await startReservation(suite.env, taskQueue, input);
    return handle.executeUpdate(confirmUpdate, { args: [{ paymentMethodId: 'pm_card_visa', idempotencyKey: null }] });
  });
  return { seatIds, orderId: view.order_id! };
}

describe('refunding an order', () => {
  test('a second refund of the same order changes nothing and answers the refunded order', async () => {
    const { seatIds, orderId } = await paidOrder();
    await withWorker(suite.env, { pool: suite.pool, redis: suite.redis }, async (taskQueue) => {
      const run = (id: string) => suite.env.client.workflow.execute(refundOrderWorkflow, { workflowId: id, taskQueue, args: [{ orderId, requestedBy: 'test', reason: 'twice' }] });
      const first = await run(`first-${orderId}`);
      const second = await run(`second-${orderId}`);
      expect(first.seatsReleased).toEqual(seatIds.slice(0, 1));
      expect(second).toMatchObject({ status: 'REFUNDED', seatsReleased: [], gaReleased: [] });
      const audit = await suite.pool.query(`SELECT count(*)::int AS n FROM inventory_audit_log WHERE action = 'REFUND' AND detail LIKE $1`, [`order ${orderId}%`]);
      expect(audit.rows[0].n).toBe(2); // one row per seat and per GA line, written once
    });
  });
});
