import { CancellationScope, isCancellation, setHandler } from '@temporalio/workflow';
import type { ReservationInput, ReservationOutcome } from '../domain/reservation';
import { cancelUpdate, confirmUpdate, extendUpdate, holdUpdate, paymentNotificationSignal, reservationQuery } from './definitions';
import { ReservationRun } from './reservation-run';

/**
 * One reservation, from hold to sale or release (workflow id `reservation-<reservation id>`).
 *
 * It holds the inventory, then sleeps on a durable timer until the hold's deadline while it waits for
 * a confirm, extend or cancel (updates) or a provider payment (signal). Every hold ends in exactly one
 * of: sold (CONFIRMED), released at the deadline (EXPIRED) or released on request (CANCELLED); and
 * every charge ends as that sale or as a refund. The steps are in reservation-run.ts, the rules they
 * follow in src/domain/reservation-rules.ts. Runs are pinned to the build they started on
 * (docs/upgrades.md).
 */
export async function reservationWorkflow(input: ReservationInput): Promise<ReservationOutcome> {
  const run = new ReservationRun(input);
  setHandler(reservationQuery, () => run.state.view);
  setHandler(holdUpdate, (request) => run.answerHold(request), { validator: (request) => run.validateHold(request) });
  setHandler(confirmUpdate, (request) => run.exclusive(() => run.confirm(request)), { validator: (request) => run.admit('confirm', request) });
  setHandler(extendUpdate, () => run.exclusive(() => run.extend()), { validator: () => run.admit('extend') });
  setHandler(cancelUpdate, () => run.exclusive(() => run.cancel()), { validator: () => run.admit('cancel') });
  setHandler(paymentNotificationSignal, (notification) => run.receive(notification));

  await run.hold();
  try {
    await run.untilClosed();
  } catch (err) {
    if (!isCancellation(err)) throw err;
    await run.cancelledByOperator();
    // A sale that completed before the cancel stands: the run ends with it.
    if (run.state.status() !== 'CONFIRMED') throw err;
    return run.state.outcome();
  }
  await CancellationScope.nonCancellable(() => run.finish());
  return run.state.outcome();
}
