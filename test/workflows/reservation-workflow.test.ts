import type { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { randomUUID } from 'node:crypto';
import { holdInventory } from '../../src/inventory/hold';
import { cancelUpdate, confirmUpdate, extendUpdate, reservationQuery } from '../../src/workflows/definitions';
import { latePaymentRefundWorkflow } from '../../src/workflows/late-payment-workflow';
import { auditActions, gaCounter, paymentsOf, reservationRow, seatStatuses } from '../support/db-queries';
import { createUser, seedEvent } from '../support/fixtures';
import { failureCode, failureOf, reservationInput, startReservation, useTimeSkippingSuite, withWorker } from '../support/workflow-harness';

const suite = useTimeSkippingSuite();

async function seatedEvent(seats = 4) {
  const seeded = await seedEvent(suite.pool, { seated: [{ rows: 1, seats_per_row: seats, price_cents: 5000 }], ga: [{ capacity: 10, price_cents: 2000 }] });
  const user = await createUser(suite.pool);
  return { ...seeded, user };
}

async function expectCode(promise: Promise<unknown>, code: string): Promise<void> {
  const err = await failureOf(promise);
  expect(failureCode(err)).toBe(code);
}

describe('a reservation workflow', () => {
  test('when the buyer pays in time, the seats are sold and the order has a ticket per seat', async () => {
    const { event, seatIds, gaSectionIds, user } = await seatedEvent();
    await withWorker(suite.env, { pool: suite.pool, redis: suite.redis }, async (taskQueue) => {
      const input = reservationInput({ eventId: event.id, userId: user.id, seatIds: seatIds.slice(0, 2), ga: [{ section_id: gaSectionIds[0]!, quantity: 3 }] });
      const { handle, hold } = await startReservation(suite.env, taskQueue, input);
      expect(hold.created).toBe(true);
      expect(hold.reservation.status).toBe('HELD');
      expect(hold.reservation.total_price_cents).toBe(2 * 5000 + 3 * 2000);

      const confirmed = await handle.executeUpdate(confirmUpdate, { args: [{ paymentMethodId: 'pm_card_visa', idempotencyKey: null }] });
      expect(confirmed.status).toBe('CONFIRMED');
      expect(confirmed.tickets).toHaveLength(5);
      expect(await handle.result()).toMatchObject({ status: 'CONFIRMED', orderId: confirmed.order_id });
      expect(await seatStatuses(suite.pool, seatIds.slice(0, 2))).toEqual(['SOLD', 'SOLD']);
      expect(await gaCounter(suite.pool, event.id, gaSectionIds[0]!)).toMatchObject({ held: 0, sold: 3 });
      expect(await paymentsOf(suite.pool, input.reservationId)).toEqual([{ status: 'SUCCEEDED', amount_cents: 16000 }]);
    });
  });

  test('when nobody pays, a 10-minute hold is released by its own timer at the deadline', async () => {
    const { event, seatIds, gaSectionIds, user } = await seatedEvent();
    await withWorker(suite.env, { pool: suite.pool, redis: suite.redis }, async (taskQueue) => {
      const input = reservationInput({ eventId: event.id, userId: user.id, seatIds: seatIds.slice(0, 1), ga: [{ section_id: gaSectionIds[0]!, quantity: 2 }], holdSeconds: 600 });
      const { handle } = await startReservation(suite.env, taskQueue, input);
      await suite.env.sleep('9m');
      expect((await handle.query(reservationQuery))?.status).toBe('HELD');
      await suite.env.sleep('61s');
      expect(await handle.result()).toMatchObject({ status: 'EXPIRED', releaseReason: 'HOLD_EXPIRED' });
      expect(await seatStatuses(suite.pool, seatIds.slice(0, 1))).toEqual(['AVAILABLE']);
      expect(await gaCounter(suite.pool, event.id, gaSectionIds[0]!)).toMatchObject({ held: 0, sold: 0 });
      expect(await auditActions(suite.pool, input.reservationId)).toEqual(['HOLD', 'RELEASE']);
    });
  });

  test('when the buyer cancels, the seats are released at once and a later confirm is refused', async () => {
    const { event, seatIds, user } = await seatedEvent();
    await withWorker(suite.env, { pool: suite.pool, redis: suite.redis }, async (taskQueue) => {
      const input = reservationInput({ eventId: event.id, userId: user.id, seatIds: seatIds.slice(0, 3) });
      const { handle } = await startReservation(suite.env, taskQueue, input);
      const cancelled = await handle.executeUpdate(cancelUpdate);
      expect(cancelled).toMatchObject({ status: 'CANCELLED', seats_released: [...seatIds.slice(0, 3)].sort() });
      expect(await handle.result()).toMatchObject({ status: 'CANCELLED' });
      expect(await seatStatuses(suite.pool, seatIds.slice(0, 3))).toEqual(['AVAILABLE', 'AVAILABLE', 'AVAILABLE']);
      expect(await paymentsOf(suite.pool, input.reservationId)).toEqual([]);
    });
  });

  test('when the buyer extends once, the hold lasts another hold duration, then expires; a second extension is refused', async () => {
    const { event, seatIds, user } = await seatedEvent();
    await withWorker(suite.env, { pool: suite.pool, redis: suite.redis }, async (taskQueue) => {
      const input = reservationInput({ eventId: event.id, userId: user.id, seatIds: seatIds.slice(0, 1), holdSeconds: 600, extensionSeconds: 600, maxExtensions: 1 });
      const { handle, hold } = await startReservation(suite.env, taskQueue, input);
      const extended = await handle.executeUpdate(extendUpdate);
      expect(Date.parse(extended.held_until) - Date.parse(hold.reservation.held_until)).toBe(600_000);
      expect(extended.extensions_used).toBe(1);
      await expectCode(handle.executeUpdate(extendUpdate), 'EXTENSION_LIMIT');

      await suite.env.sleep('15m');
      expect((await handle.query(reservationQuery))?.status).toBe('HELD');
      await suite.env.sleep('6m');
      expect(await handle.result()).toMatchObject({ status: 'EXPIRED' });
      expect(await seatStatuses(suite.pool, seatIds.slice(0, 1))).toEqual(['AVAILABLE']);
    });
  });

  test('when the card is declined three times, every attempt answers PAYMENT_DECLINED and the third releases the hold', async () => {
    const { event, seatIds, user } = await seatedEvent();
    await withWorker(suite.env, { pool: suite.pool, redis: suite.redis }, async (taskQueue) => {
      const input = reservationInput({ eventId: event.id, userId: user.id, seatIds: seatIds.slice(0, 2) });
      const { handle } = await startReservation(suite.env, taskQueue, input);
      for (let attempt = 1; attempt <= 3; attempt++) {
        await expectCode(handle.executeUpdate(confirmUpdate, { args: [{ paymentMethodId: 'pm_card_declined', idempotencyKey: null }] }), 'PAYMENT_DECLINED');
        if (attempt < 3) {
          expect(await handle.query(reservationQuery)).toMatchObject({ status: 'HELD', payment_attempts: attempt });
          expect(await seatStatuses(suite.pool, seatIds.slice(0, 2))).toEqual(['HELD', 'HELD']);
        }
      }
      expect(await handle.result()).toMatchObject({ status: 'CANCELLED', releaseReason: 'PAYMENT_DECLINED' });
      expect(await seatStatuses(suite.pool, seatIds.slice(0, 2))).toEqual(['AVAILABLE', 'AVAILABLE']);
      expect((await paymentsOf(suite.pool, input.reservationId)).map((p) => p.status)).toEqual(['DECLINED', 'DECLINED', 'DECLINED']);
    });
  });

  test('when a declined buyer retries with a good card, the second attempt sells', async () => {
    const { event, seatIds, user } = await seatedEvent();
    await withWorker(suite.env, { pool: suite.pool, redis: suite.redis }, async (taskQueue) => {
      const input = reservationInput({ eventId: event.id, userId: user.id, seatIds: seatIds.slice(0, 1) });
      const { handle } = await startReservation(suite.env, taskQueue, input);
      await expectCode(handle.executeUpdate(confirmUpdate, { args: [{ paymentMethodId: 'pm_card_declined', idempotencyKey: null }] }), 'PAYMENT_DECLINED');
      const confirmed = await handle.executeUpdate(confirmUpdate, { args: [{ paymentMethodId: 'pm_card_visa', idempotencyKey: null }] });
      // Each charge is an attempt: the declined one and the one that paid.
      expect(confirmed).toMatchObject({ status: 'CONFIRMED', payment_attempts: 2 });
    });
  });

  test('when the hold lapsed and its seat went to another buyer before the payment, the money is refunded', async () => {
    const { event, seatIds, user } = await seatedEvent();
    const rivalBuyer = await createUser(suite.pool);
    await withWorker(suite.env, { pool: suite.pool, redis: suite.redis }, async (taskQueue) => {
      const input = reservationInput({ eventId: event.id, userId: user.id, seatIds: seatIds.slice(0, 1) });
      const { handle } = await startReservation(suite.env, taskQueue, input);
      // A worker outage: the timer has not run, the hold lapsed in the database, and a rival took the seat.
      await suite.pool.query(`UPDATE seats SET held_until = now() - interval '1 second' WHERE id = $1`, [seatIds[0]]);
      const rival = await holdInventory(suite.pool, { reservationId: randomUUID(), eventId: event.id, userId: rivalBuyer.id, seatIds: seatIds.slice(0, 1), ga: [], heldUntil: new Date(Date.now() + 600_000), maxExtensions: 1, idempotencyKey: null });
      expect(rival.status).toBe('HELD');

      await expectCode(handle.executeUpdate(confirmUpdate, { args: [{ paymentMethodId: 'pm_card_visa', idempotencyKey: null }] }), 'RESERVATION_EXPIRED');
      expect(await handle.result()).toMatchObject({ status: 'EXPIRED' });
      expect(await seatStatuses(suite.pool, seatIds.slice(0, 1))).toEqual(['HELD']);
      expect(await reservationRow(suite.pool, rival.reservation_id)).toMatchObject({ status: 'HELD' });
      expect((await paymentsOf(suite.pool, input.reservationId)).map((p) => p.status)).toEqual(['REFUNDED']);
    });
  });

  test('when a provider payment arrives after the hold expired, it is recorded and refunded, never sold', async () => {
    const { event, seatIds, user } = await seatedEvent();
    await withWorker(suite.env, { pool: suite.pool, redis: suite.redis }, async (taskQueue) => {
      const input = reservationInput({ eventId: event.id, userId: user.id, seatIds: seatIds.slice(0, 1), holdSeconds: 60 });
      const { handle } = await startReservation(suite.env, taskQueue, input);
      await suite.env.sleep('61s');
      expect(await handle.result()).toMatchObject({ status: 'EXPIRED' });

      const refund = await suite.env.client.workflow.execute(latePaymentRefundWorkflow, {
        workflowId: `late-payment-test-${input.reservationId}`,
        taskQueue,
        args: [{ reservationId: input.reservationId, providerPaymentId: `pay_${input.reservationId}`, amountCents: 5000 }],
      });
      expect(refund.refunded).toBe(true);
      expect(await paymentsOf(suite.pool, input.reservationId)).toEqual([{ status: 'REFUNDED', amount_cents: 5000 }]);
      expect(await seatStatuses(suite.pool, seatIds.slice(0, 1))).toEqual(['AVAILABLE']);
    });
  });

  test('when the hold activity fails once with a lost connection and the processor errors twice, both are retried and the buyer sees success', async () => {
    const { event, seatIds, user } = await seatedEvent();
    let holdCalls = 0;
    const charges: Array<{ key: string; outcome: string }> = [];
    await withWorker(
      suite.env,
      { pool: suite.pool, redis: suite.redis },
      async (taskQueue) => {
        const input = reservationInput({ eventId: event.id, userId: user.id, seatIds: seatIds.slice(0, 1) });
        const { handle, hold } = await startReservation(suite.env, taskQueue, input);
        expect(hold.reservation.status).toBe('HELD');
        expect(holdCalls).toBe(2);
        const confirmed = await handle.executeUpdate(confirmUpdate, { args: [{ paymentMethodId: 'pm_card_error', idempotencyKey: null }] });
        expect(confirmed.status).toBe('CONFIRMED');
        expect(await paymentsOf(suite.pool, input.reservationId)).toEqual([{ status: 'SUCCEEDED', amount_cents: 5000 }]);
      },
      (activities) => ({
        ...activities,
        async holdInventory(input) {
          holdCalls += 1;
          if (holdCalls === 1) throw Object.assign(new Error('Connection terminated unexpectedly'), { code: 'ECONNRESET' });
          return activities.holdInventory(input);
        },
      }),
      (processor) => ({
        ...processor,
        async charge(request) {
          try {
            const result = await processor.charge(request);
            charges.push({ key: request.idempotencyKey, outcome: 'charged' });
            return result;
          } catch (err) {
            charges.push({ key: request.idempotencyKey, outcome: 'error' });
            throw err;
          }
        },
      }),
    );
    // The processor really failed twice, and the third try of the same charge (same key) went through.
    expect(charges.map((c) => c.outcome)).toEqual(['error', 'error', 'charged']);
    expect(new Set(charges.map((c) => c.key)).size).toBe(1);
  });

  test('when the release activity fails at the deadline (three refused connections), it is retried until it succeeds, and the hold still ends EXPIRED', async () => {
    const { event, seatIds, user } = await seatedEvent();
    let releaseCalls = 0;
    await withWorker(
      suite.env,
      { pool: suite.pool, redis: suite.redis },
      async (taskQueue) => {
        const input = reservationInput({ eventId: event.id, userId: user.id, seatIds: seatIds.slice(0, 1), holdSeconds: 60 });
        const { handle } = await startReservation(suite.env, taskQueue, input);
        await suite.env.sleep('61s');
        expect(await handle.result()).toMatchObject({ status: 'EXPIRED' });
        expect(releaseCalls).toBe(4);
        expect(await seatStatuses(suite.pool, seatIds.slice(0, 1))).toEqual(['AVAILABLE']);
      },
      (activities) => ({
        ...activities,
        async releaseInventory(input) {
          releaseCalls += 1;
          if (releaseCalls <= 3) throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
          return activities.releaseInventory(input);
        },
      }),
    );
  });

  test('when the payment processor stays unreachable, the buyer is told UNAVAILABLE, nobody is charged, the hold is HELD again and the attempt counts', async () => {
    const { event, seatIds, user } = await seatedEvent();
    await withWorker(
      suite.env,
      { pool: suite.pool, redis: suite.redis },
      async (taskQueue) => {
        const input = reservationInput({ eventId: event.id, userId: user.id, seatIds: seatIds.slice(0, 1) });
        const { handle } = await startReservation(suite.env, taskQueue, input);
        await expectCode(handle.executeUpdate(confirmUpdate, { args: [{ paymentMethodId: 'pm_card_visa', idempotencyKey: null }] }), 'UNAVAILABLE');
        expect(await handle.query(reservationQuery)).toMatchObject({ status: 'HELD', payment_attempts: 1 });
        expect(await reservationRow(suite.pool, input.reservationId)).toMatchObject({ status: 'HELD' });
        expect(await seatStatuses(suite.pool, seatIds.slice(0, 1))).toEqual(['HELD']);
        expect(await paymentsOf(suite.pool, input.reservationId)).toEqual([]);
        const paid = await handle.executeUpdate(confirmUpdate, { args: [{ paymentMethodId: 'pm_card_visa', idempotencyKey: null }] }).catch((err: unknown) => err);
        expect(failureCode(paid)).toBe('UNAVAILABLE');
      },
      (activities) => ({
        ...activities,
        async chargePayment() {
          // Retries exhausted, as after minutes of a processor outage (kept short here).
          throw ApplicationFailure.create({ type: 'ProcessorUnreachable', message: 'connect ETIMEDOUT', nonRetryable: true });
        },
      }),
    );
  });

  test('when the seats are taken, the workflow ends as rejected with SEATS_UNAVAILABLE and holds nothing', async () => {
    const { event, seatIds, user } = await seatedEvent();
    await withWorker(suite.env, { pool: suite.pool, redis: suite.redis }, async (taskQueue) => {
      const first = await startReservation(suite.env, taskQueue, reservationInput({ eventId: event.id, userId: user.id, seatIds: seatIds.slice(0, 2) }));
      const input = reservationInput({ eventId: event.id, userId: user.id, seatIds: seatIds.slice(1, 3) });
      const err = await startReservation(suite.env, taskQueue, input).then(() => null, (e: unknown) => e);
      expect(failureCode(err)).toBe('SEATS_UNAVAILABLE');
      expect((((err as WorkflowUpdateFailedError).cause as ApplicationFailure).details?.[0] as { unavailable_seats: string[] }).unavailable_seats).toEqual([seatIds[1]]);
      expect(await reservationRow(suite.pool, input.reservationId)).toBeUndefined();
      expect(await seatStatuses(suite.pool, [seatIds[2]!])).toEqual(['AVAILABLE']);
      await first.handle.executeUpdate(cancelUpdate);
    });
  });
});
