import { randomUUID } from 'node:crypto';
import { Client, WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { holdInventory } from '../../src/inventory/hold';
import { recordProviderPayment } from '../../src/payments/payments-repository';
import type { PaymentProvider } from '../../src/payments/provider';
import { simulatedLedger } from '../../src/payments/simulated-provider';
import { cancelUpdate, confirmUpdate, extendUpdate, paymentNotificationSignal, reservationQuery } from '../../src/workflows/definitions';
import { latePaymentRefundWorkflow } from '../../src/workflows/late-payment-workflow';
import { MAX_ACTIONS_PER_RESERVATION } from '../../src/domain/reservation-rules';
import { gaCounter, paymentsOf, reservationRow, seatStatuses } from '../support/db-queries';
import { createUser, seedEvent } from '../support/fixtures';
import { failureCode, failureOf, reservationInput, startReservation, useTimeSkippingSuite, withWorker } from '../support/workflow-harness';

const suite = useTimeSkippingSuite();

async function gaEvent(capacity = 4) {
  const seeded = await seedEvent(suite.pool, { seated: [{ rows: 1, seats_per_row: 2, price_cents: 5000 }], ga: [{ capacity, price_cents: 2000 }] });
  return { ...seeded, user: await createUser(suite.pool), section: seeded.gaSectionIds[0]! };
}

const visa = (idempotencyKey: string | null = null) => ({ args: [{ paymentMethodId: 'pm_card_visa', idempotencyKey }] as [{ paymentMethodId: string; idempotencyKey: string | null }] });

/** A processor that charges and then loses its answer: the timeout after the request was sent. */
function answersLost(processor: PaymentProvider): PaymentProvider {
  return {
    ...processor,
    async charge(request) {
      await processor.charge(request);
      throw ApplicationFailure.nonRetryable('no answer from the processor after sending the charge', 'ProcessorTimeout');
    },
  };
}

/** Lookups fail for the first `n` calls (the processor is unreachable), then work. */
function lookupsDownFor(n: number, processor: PaymentProvider): PaymentProvider & { lookups: number } {
  const wrapped = {
    ...processor,
    lookups: 0,
    async resolve(key: string) {
      wrapped.lookups += 1;
      if (wrapped.lookups <= n) throw ApplicationFailure.nonRetryable('processor unreachable', 'ProcessorUnreachable');
      return processor.resolve(key);
    },
  };
  return wrapped;
}

/**
 * Parts of the provider are unreachable while the switches say so: its charges, its lookups of a charge's
 * outcome. `fast` fails an attempt for good (the buyer's 503 comes at once); `retrying` fails it as a
 * network error would, so the step is retried until the provider is back.
 */
function unreachable(down: { charges?: boolean; lookups?: false | 'fast' | 'retrying' }, processor: PaymentProvider): PaymentProvider {
  const fail = (fast: boolean): never => {
    if (fast) throw ApplicationFailure.nonRetryable('processor unreachable', 'ProcessorUnreachable');
    throw new Error('processor unreachable');
  };
  return {
    ...processor,
    async charge(request) {
      if (down.charges) fail(true);
      return processor.charge(request);
    },
    async resolve(key: string) {
      if (down.lookups) fail(down.lookups === 'fast');
      return processor.resolve(key);
    },
  };
}

async function waitFor(check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function eventTypes(handle: { fetchHistory(): ReturnType<WorkflowHandle['fetchHistory']> }): Promise<string[]> {
  const history = JSON.parse(historyToJSON(await handle.fetchHistory())) as { events: Array<{ eventType: string }> };
  return history.events.map((e) => e.eventType);
}

const updateEvents = (types: string[]): string[] => types.filter((t) => t.includes('WORKFLOW_EXECUTION_UPDATE'));

describe('provider notifications', () => {
  test('when the same payment is reported twice while held, the reservation is sold once and the money is never refunded, not even by a late duplicate', async () => {
    const { event, user, section } = await gaEvent();
    await withWorker(suite.env, { pool: suite.pool, redis: suite.redis }, async (taskQueue) => {
      const input = reservationInput({ eventId: event.id, userId: user.id, ga: [{ section_id: section, quantity: 2 }] });
      const { handle } = await startReservation(suite.env, taskQueue, input);
      const notification = { paymentId: `pay_${randomUUID()}`, status: 'succeeded' as const, amountCents: 4000 };
      await handle.signal(paymentNotificationSignal, notification);
      await handle.signal(paymentNotificationSignal, notification);
      expect(await handle.result()).toMatchObject({ status: 'CONFIRMED' });

      const late = await suite.env.client.workflow.execute(latePaymentRefundWorkflow, {
        workflowId: `late-payment-test-${randomUUID()}`,
        taskQueue,
        args: [{ reservationId: input.reservationId, providerPaymentId: notification.paymentId, amountCents: 4000 }],
      });
      expect(late).toMatchObject({ refunded: false, reason: 'SOLD' });
      expect(await paymentsOf(suite.pool, input.reservationId)).toEqual([{ status: 'SUCCEEDED', amount_cents: 4000 }]);
      const tickets = await suite.pool.query(`SELECT t.status FROM tickets t JOIN orders o ON o.id = t.order_id WHERE o.reservation_id = $1`, [input.reservationId]);
      expect(tickets.rows.map((r: { status: string }) => r.status)).toEqual(['ACTIVE', 'ACTIVE']);
    });
  });
});

describe('a charge whose answer is lost', () => {
  test('when the processor charged but its answer was lost, the charge is looked up by its key and the reservation is sold with it', async () => {
    const { event, user, section } = await gaEvent();
    await withWorker(
      suite.env,
      { pool: suite.pool, redis: suite.redis },
      async (taskQueue) => {
        const input = reservationInput({ eventId: event.id, userId: user.id, ga: [{ section_id: section, quantity: 1 }] });
        const { handle } = await startReservation(suite.env, taskQueue, input);
        expect(await handle.executeUpdate(confirmUpdate, visa())).toMatchObject({ status: 'CONFIRMED' });
        expect(await simulatedLedger(suite.redis).capturedCharges(input.reservationId)).toHaveLength(1);
        expect(await paymentsOf(suite.pool, input.reservationId)).toEqual([{ status: 'SUCCEEDED', amount_cents: 2000 }]);
      },
      undefined,
      answersLost,
    );
  });

  test('when the lookup fails too, the buyer is told 503 and a retry with a new key charges nobody again; once the processor answers, the first charge pays', async () => {
    const { event, user, section } = await gaEvent();
    await withWorker(
      suite.env,
      { pool: suite.pool, redis: suite.redis },
      async (taskQueue) => {
        const input = reservationInput({ eventId: event.id, userId: user.id, ga: [{ section_id: section, quantity: 1 }] });
        const { handle } = await startReservation(suite.env, taskQueue, input);
        expect(failureCode(await failureOf(handle.executeUpdate(confirmUpdate, visa('first-click'))))).toBe('UNAVAILABLE');
        expect((await handle.query(reservationQuery))?.status).toBe('PAYMENT_PENDING');
        expect(failureCode(await failureOf(handle.executeUpdate(confirmUpdate, visa('second-click'))))).toBe('UNAVAILABLE');
        expect(await simulatedLedger(suite.redis).capturedCharges(input.reservationId)).toHaveLength(1);

        expect(await handle.executeUpdate(confirmUpdate, visa('third-click'))).toMatchObject({ status: 'CONFIRMED' });
        expect(await simulatedLedger(suite.redis).capturedCharges(input.reservationId)).toHaveLength(1);
        expect(await paymentsOf(suite.pool, input.reservationId)).toEqual([{ status: 'SUCCEEDED', amount_cents: 2000 }]);
      },
      undefined,
      (processor) => lookupsDownFor(2, answersLost(processor)),
    );
  });

  test('when the outcome is still unknown at the deadline, the hold is released on time and the charge is refunded once the processor answers', async () => {
    const { event, user, section } = await gaEvent();
    await withWorker(
      suite.env,
      { pool: suite.pool, redis: suite.redis },
      async (taskQueue) => {
        const input = reservationInput({ eventId: event.id, userId: user.id, ga: [{ section_id: section, quantity: 1 }], holdSeconds: 120, paymentGraceSeconds: 30 });
        const { handle } = await startReservation(suite.env, taskQueue, input);
        expect(failureCode(await failureOf(handle.executeUpdate(confirmUpdate, visa())))).toBe('UNAVAILABLE');
        await suite.env.sleep('3m');
        expect(await handle.result()).toMatchObject({ status: 'EXPIRED', releaseReason: 'HOLD_EXPIRED' });
        expect(await gaCounter(suite.pool, event.id, section)).toMatchObject({ held: 0, sold: 0 });
        const [charge] = await simulatedLedger(suite.redis).capturedCharges(input.reservationId);
        expect(await simulatedLedger(suite.redis).refunded(charge!.providerPaymentId)).toBe(true);
        expect(await paymentsOf(suite.pool, input.reservationId)).toEqual([{ status: 'REFUNDED', amount_cents: 2000 }]);
        // One wait for the deadline, not a loop of short timers while the payment was pending.
        expect((await eventTypes(handle)).filter((t) => t.includes('TIMER_STARTED')).length).toBeLessThanOrEqual(2);
      },
      undefined,
      (processor) => lookupsDownFor(2, answersLost(processor)),
    );
  });
});

describe('payments at the edges of a hold’s life', () => {
  test('when a payment is reported while the run settles an unknown charge at its end, it is recorded and refunded, not dropped', async () => {
    const { event, user, section } = await gaEvent();
    const down: { lookups: false | 'fast' | 'retrying' } = { lookups: 'fast' };
    await withWorker(
      suite.env,
      { pool: suite.pool, redis: suite.redis },
      async (taskQueue) => {
        const input = reservationInput({ eventId: event.id, userId: user.id, ga: [{ section_id: section, quantity: 1 }], holdSeconds: 120, paymentGraceSeconds: 30 });
        const { handle } = await startReservation(suite.env, taskQueue, input);
        expect(failureCode(await failureOf(handle.executeUpdate(confirmUpdate, visa())))).toBe('UNAVAILABLE');
        down.lookups = 'retrying';
        await suite.env.sleep('3m');
        // Released at the deadline; the run is still settling the lost charge while the provider is down.
        await waitFor(async () => (await reservationRow(suite.pool, input.reservationId))?.status === 'EXPIRED');
        expect((await handle.describe()).status.name).toBe('RUNNING');
        const late = `pay_late_${input.reservationId}`;
        await handle.signal(paymentNotificationSignal, { paymentId: late, status: 'succeeded', amountCents: 2000 });
        await new Promise((resolve) => setTimeout(resolve, 500));
        down.lookups = false;
        expect(await handle.result()).toMatchObject({ status: 'EXPIRED' });
        // The lost charge and the reported payment: both recorded, both back with the buyer.
        expect(await paymentsOf(suite.pool, input.reservationId)).toEqual([
          { status: 'REFUNDED', amount_cents: 2000 },
          { status: 'REFUNDED', amount_cents: 2000 },
        ]);
        expect(await simulatedLedger(suite.redis).refunded(late)).toBe(true);
      },
      undefined,
      (processor) => unreachable(down, answersLost(processor)),
    );
  });

  test('confirming again near the deadline does not renew the payment grace: declined cards cannot keep a hold past deadline + one grace', async () => {
    const { event, user, section } = await gaEvent();
    await withWorker(suite.env, { pool: suite.pool, redis: suite.redis }, async (taskQueue) => {
      const input = reservationInput({ eventId: event.id, userId: user.id, ga: [{ section_id: section, quantity: 1 }], holdSeconds: 60, paymentGraceSeconds: 30, maxPaymentAttempts: 10 });
      const { handle, hold } = await startReservation(suite.env, taskQueue, input);
      const declined = { args: [{ paymentMethodId: 'pm_card_declined', idempotencyKey: null }] as [{ paymentMethodId: string; idempotencyKey: string | null }] };
      await suite.env.sleep('55s');
      expect(failureCode(await failureOf(handle.executeUpdate(confirmUpdate, declined)))).toBe('PAYMENT_DECLINED');
      const graced = Date.parse((await handle.query(reservationQuery))!.held_until);
      expect(graced).toBeGreaterThan(Date.parse(hold.reservation.held_until));
      await suite.env.sleep('25s');
      expect(failureCode(await failureOf(handle.executeUpdate(confirmUpdate, declined)))).toBe('PAYMENT_DECLINED');
      expect(Date.parse((await handle.query(reservationQuery))!.held_until)).toBe(graced);
      expect(await handle.result()).toMatchObject({ status: 'EXPIRED', releaseReason: 'HOLD_EXPIRED' });
    });
  });

  test('a charge that ends in 503 counts as an attempt: the third releases the hold, and nobody is charged', async () => {
    const { event, user, section } = await gaEvent();
    // Charges never reach the processor; asked afterwards, it says so (the key is voided).
    const down = { charges: true };
    await withWorker(
      suite.env,
      { pool: suite.pool, redis: suite.redis },
      async (taskQueue) => {
        const input = reservationInput({ eventId: event.id, userId: user.id, ga: [{ section_id: section, quantity: 1 }], maxPaymentAttempts: 3 });
        const { handle } = await startReservation(suite.env, taskQueue, input);
        expect(failureCode(await failureOf(handle.executeUpdate(confirmUpdate, visa('a'))))).toBe('UNAVAILABLE');
        expect((await handle.query(reservationQuery))?.payment_attempts).toBe(1);
        expect(failureCode(await failureOf(handle.executeUpdate(confirmUpdate, visa('b'))))).toBe('UNAVAILABLE');
        const third = await failureOf(handle.executeUpdate(confirmUpdate, visa('c')));
        expect(failureCode(third)).toBe('RESERVATION_CANCELLED');
        expect(await reservationRow(suite.pool, input.reservationId)).toMatchObject({ status: 'CANCELLED', release_reason: 'PAYMENT_ATTEMPTS_EXHAUSTED' });
        expect(await gaCounter(suite.pool, event.id, section)).toMatchObject({ held: 0, sold: 0 });
        expect(await handle.result()).toMatchObject({ status: 'CANCELLED' });
        expect((await paymentsOf(suite.pool, input.reservationId)).map((p) => p.status)).toEqual(['VOIDED', 'VOIDED', 'VOIDED']);
        expect(await simulatedLedger(suite.redis).capturedCharges(input.reservationId)).toEqual([]);
      },
      undefined,
      (processor) => unreachable(down, processor),
    );
  });
});

describe('a late payment', () => {
  test('a provider payment recorded as another reservation’s money is not refunded by this reservation’s late-payment workflow', async () => {
    const { event, user, section } = await gaEvent();
    await withWorker(suite.env, { pool: suite.pool, redis: suite.redis }, async (taskQueue) => {
      const owner = reservationInput({ eventId: event.id, userId: user.id, ga: [{ section_id: section, quantity: 1 }] });
      const { handle } = await startReservation(suite.env, taskQueue, owner);
      // The provider's payment is recorded as the owner's captured money (its sale still to come)...
      const providerPaymentId = `pay_owner_${owner.reservationId}`;
      await recordProviderPayment(suite.pool, { reservationId: owner.reservationId, providerPaymentId, amountCents: 2000 });
      // ...when a mistaken or forged notification names another reservation (whose run is over) for the same payment.
      const other = { reservationId: randomUUID() };
      // A client that does not skip time: the owner's hold must not lapse while this one runs.
      const plain = new Client({ connection: suite.env.connection });
      const late = await plain.workflow.start(latePaymentRefundWorkflow, {
        workflowId: `late-payment-test-${other.reservationId}`,
        taskQueue,
        args: [{ reservationId: other.reservationId, providerPaymentId, amountCents: 2000 }],
      });
      expect(await late.result()).toMatchObject({ refunded: false, reason: 'OTHER_RESERVATION' });
      expect(await simulatedLedger(suite.redis).refunded(providerPaymentId)).toBe(false);
      // The owner's money still pays for the owner's seats.
      await handle.signal(paymentNotificationSignal, { paymentId: providerPaymentId, status: 'succeeded', amountCents: 2000 });
      await waitFor(async () => (await reservationRow(suite.pool, owner.reservationId))?.status === 'CONFIRMED');
      expect(await paymentsOf(suite.pool, owner.reservationId)).toEqual([{ status: 'SUCCEEDED', amount_cents: 2000 }]);
    });
  });
});

describe('a sale whose hold was lost during the payment', () => {
  test('when the payment outlasts hold and grace and a rival takes the lapsed GA places, the payment is refunded and the rival keeps them', async () => {
    const { event, user, section } = await gaEvent(2);
    const rival = await createUser(suite.pool);
    let rivalReservation = '';
    await withWorker(
      suite.env,
      { pool: suite.pool, redis: suite.redis },
      async (taskQueue) => {
        const input = reservationInput({ eventId: event.id, userId: user.id, ga: [{ section_id: section, quantity: 2 }] });
        const { handle } = await startReservation(suite.env, taskQueue, input);
        const err = await failureOf(handle.executeUpdate(confirmUpdate, visa()));
        expect(failureCode(err)).toBe('RESERVATION_EXPIRED');
        expect(await handle.result()).toMatchObject({ status: 'EXPIRED', releaseReason: 'HOLD_LOST_PAYMENT_REFUNDED' });
        expect(await gaCounter(suite.pool, event.id, section)).toEqual({ capacity: 2, held: 2, sold: 0 });
        expect(await reservationRow(suite.pool, rivalReservation)).toMatchObject({ status: 'HELD' });
        expect(await paymentsOf(suite.pool, input.reservationId)).toEqual([{ status: 'REFUNDED', amount_cents: 4000 }]);
      },
      undefined,
      (processor) => ({
        ...processor,
        async charge(request) {
          // The charge takes longer than the hold and its grace; meanwhile a rival reclaims the places.
          const reservationId = request.idempotencyKey.split(':')[0]!;
          await suite.pool.query(`UPDATE ga_holds SET held_until = now() - interval '1 second' WHERE reservation_id = $1`, [reservationId]);
          const taken = await holdInventory(suite.pool, {
            reservationId: randomUUID(), eventId: event.id, userId: rival.id, seatIds: [], ga: [{ section_id: section, quantity: 2 }],
            heldUntil: new Date(Date.now() + 600_000), maxExtensions: 1, idempotencyKey: null,
          });
          rivalReservation = taken.reservation_id;
          return processor.charge(request);
        },
      }),
    );
  });
});

describe('an operator cancelling the workflow', () => {
  test('when an operator cancels during a payment, the payment finishes first and the sale stands', async () => {
    const { event, seatIds, user } = await gaEvent();
    let entered!: () => void;
    const charging = new Promise<void>((resolve) => (entered = resolve));
    let letGo!: () => void;
    const gate = new Promise<void>((resolve) => (letGo = resolve));
    await withWorker(
      suite.env,
      { pool: suite.pool, redis: suite.redis },
      async (taskQueue) => {
        const input = reservationInput({ eventId: event.id, userId: user.id, seatIds: seatIds.slice(0, 1) });
        const { handle } = await startReservation(suite.env, taskQueue, input);
        const confirmed = handle.executeUpdate(confirmUpdate, visa());
        await charging;
        await handle.cancel();
        await new Promise((resolve) => setTimeout(resolve, 300));
        letGo();
        expect(await confirmed).toMatchObject({ status: 'CONFIRMED' });
        expect(await handle.result()).toMatchObject({ status: 'CONFIRMED' });
        expect(await seatStatuses(suite.pool, seatIds.slice(0, 1))).toEqual(['SOLD']);
        expect(await paymentsOf(suite.pool, input.reservationId)).toEqual([{ status: 'SUCCEEDED', amount_cents: 5000 }]);
      },
      undefined,
      (processor) => ({
        ...processor,
        async charge(request) {
          entered();
          await gate;
          return processor.charge(request);
        },
      }),
    );
  });

  test('when an operator cancels a held reservation, its seats are released and the run ends cancelled', async () => {
    const { event, seatIds, user } = await gaEvent();
    await withWorker(suite.env, { pool: suite.pool, redis: suite.redis }, async (taskQueue) => {
      const input = reservationInput({ eventId: event.id, userId: user.id, seatIds: seatIds.slice(1, 2) });
      const { handle } = await startReservation(suite.env, taskQueue, input);
      await handle.cancel();
      const err = await failureOf(handle.result());
      expect(err).toBeInstanceOf(WorkflowFailedError);
      expect((err as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
      expect(await reservationRow(suite.pool, input.reservationId)).toMatchObject({ status: 'CANCELLED', release_reason: 'CANCELLED_BY_OPERATOR' });
      expect(await seatStatuses(suite.pool, seatIds.slice(1, 2))).toEqual(['AVAILABLE']);
    });
  });
});

describe('workflow hygiene', () => {
  test('refused updates leave no events in the history: only the hold, the extension and the cancel were accepted', async () => {
    const { event, seatIds, user } = await gaEvent();
    await withWorker(suite.env, { pool: suite.pool, redis: suite.redis }, async (taskQueue) => {
      const input = reservationInput({ eventId: event.id, userId: user.id, seatIds: seatIds.slice(0, 1), maxExtensions: 1 });
      const { handle } = await startReservation(suite.env, taskQueue, input);
      await handle.executeUpdate(extendUpdate);
      expect(failureCode(await failureOf(handle.executeUpdate(extendUpdate)))).toBe('EXTENSION_LIMIT');
      expect(failureCode(await failureOf(handle.executeUpdate(extendUpdate)))).toBe('EXTENSION_LIMIT');
      await handle.executeUpdate(cancelUpdate);
      await handle.result();
      expect(updateEvents(await eventTypes(handle)).filter((t) => t.endsWith('UPDATE_ACCEPTED'))).toHaveLength(3);
    });
  });

  test(`a reservation takes at most ${MAX_ACTIONS_PER_RESERVATION} actions; beyond that it answers RATE_LIMITED without touching its history`, async () => {
    const { event, seatIds, user } = await gaEvent();
    await withWorker(suite.env, { pool: suite.pool, redis: suite.redis }, async (taskQueue) => {
      const input = reservationInput({ eventId: event.id, userId: user.id, seatIds: seatIds.slice(0, 1), maxPaymentAttempts: 3 });
      const { handle } = await startReservation(suite.env, taskQueue, input);
      const declined = { args: [{ paymentMethodId: 'pm_card_declined', idempotencyKey: 'same-click' }] as [{ paymentMethodId: string; idempotencyKey: string }] };
      for (let i = 0; i < MAX_ACTIONS_PER_RESERVATION; i++) {
        // The same key answers its first outcome again: one decline, never more charges.
        expect(failureCode(await failureOf(handle.executeUpdate(confirmUpdate, declined)))).toBe('PAYMENT_DECLINED');
      }
      const before = updateEvents(await eventTypes(handle));
      expect(failureCode(await failureOf(handle.executeUpdate(confirmUpdate, visa())))).toBe('RATE_LIMITED');
      expect(updateEvents(await eventTypes(handle))).toEqual(before);
      expect(await paymentsOf(suite.pool, input.reservationId)).toEqual([{ status: 'DECLINED', amount_cents: 5000 }]);
      expect((await handle.query(reservationQuery))?.payment_attempts).toBe(1);
      await handle.cancel();
    });
  });

  test('when every hold attempt loses its answer after committing, the buyer gets 503 and the hold is undone, not left orphaned', async () => {
    const { event, seatIds, user, section } = await gaEvent();
    await withWorker(
      suite.env,
      { pool: suite.pool, redis: suite.redis },
      async (taskQueue) => {
        const input = reservationInput({ eventId: event.id, userId: user.id, seatIds: seatIds.slice(0, 1), ga: [{ section_id: section, quantity: 2 }] });
        expect(failureCode(await failureOf(startReservation(suite.env, taskQueue, input)))).toBe('UNAVAILABLE');
        const handle = suite.env.client.workflow.getHandle(`reservation-${input.reservationId}`);
        expect(failureCode(await failureOf(handle.result()))).toBe('UNAVAILABLE');
        expect(await reservationRow(suite.pool, input.reservationId)).toBeUndefined();
        expect(await seatStatuses(suite.pool, seatIds.slice(0, 1))).toEqual(['AVAILABLE']);
        expect(await gaCounter(suite.pool, event.id, section)).toMatchObject({ held: 0, sold: 0 });
      },
      (activities) => ({
        ...activities,
        async holdInventory(input) {
          await activities.holdInventory(input);
          throw ApplicationFailure.nonRetryable('connection lost after COMMIT was sent', 'ConnectionLost');
        },
      }),
    );
  });
});
