import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { DeterminismViolationError } from '@temporalio/workflow';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { workflowBundle } from '../support/env';

/*
 * Every history ever committed under histories/ (the first recordings at the top, each later change's
 * in a folder of its own) must replay against the current workflow code: running workflows survive
 * a deploy only if it does.
 */
const HISTORIES = join(__dirname, 'histories');

function historyFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => (entry.isDirectory() ? historyFiles(join(dir, entry.name)) : entry.name.endsWith('.json') ? [join(dir, entry.name)] : []))
    .sort();
}

const files = historyFiles(HISTORIES).map((path) => relative(HISTORIES, path).replace(/\.json$/, ''));

function histories() {
  return files.map((name) => ({ workflowId: name, history: JSON.parse(readFileSync(join(HISTORIES, `${name}.json`), 'utf8')) }));
}

const quiet = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} } as never;

describe('replaying recorded workflow histories', () => {
  test('the committed histories cover the main paths of every change: the first recordings, exact money, orders and tickets, operations, the waiting room, performance, the admission catch-up', () => {
    expect(files).toEqual(expect.arrayContaining(['paid-in-time', 'expired-unpaid', 'declined-three-times', 'extended-then-cancelled']));
    expect(files).toEqual(
      expect.arrayContaining(
        [
          'paid-in-time', 'expired-unpaid', 'declined-three-times', 'extended-then-cancelled', 'confirm-503-then-paid',
          'hold-lost-and-refunded', 'webhook-refund', 'late-payment', 'operator-cancel', 'operator-cancel-during-payment', 'duplicate-webhook',
        ].map((name) => `exact-money/${name}`),
      ),
    );
    expect(files).toEqual(expect.arrayContaining(['orders-and-tickets/refund-order', 'operations/cancel-event', 'operations/reconciliation', 'waiting-room/on-sale-sold-out']));
    // The on-sale's admission budget that catches up after a late tick (patch 'on-sale-admission-catch-up').
    expect(files).toEqual(expect.arrayContaining(['admission-catch-up/on-sale-sold-out']));
    // The reservationWorkflowV3 type (one expiry timer, no patch marker): every path of a reservation.
    expect(files).toEqual(
      expect.arrayContaining(
        [
          'paid-in-time', 'expired-unpaid', 'extended-then-cancelled', 'declined-three-times', 'flaky-processor-then-paid', 'rejected-seat-taken',
          'paid-by-webhook', 'confirm-503-then-paid', 'hold-lost-and-refunded', 'webhook-refund', 'duplicate-webhook', 'operator-cancel',
          'operator-cancel-during-payment',
        ].map((name) => `performance/${name}`),
      ),
    );
  });

  test('the current workflow code replays every recorded history without a determinism error', async () => {
    const results = [];
    for await (const result of Worker.runReplayHistories({ workflowBundle: workflowBundle() }, histories())) {
      results.push({ workflowId: result.workflowId, error: result.error?.message });
    }
    expect(results).toEqual(files.map((name) => ({ workflowId: name, error: undefined })));
  });

  test('a change that breaks determinism (a sleep before the hold) makes replay fail, for old and new histories alike', async () => {
    const broken = await bundleWorkflowCode({ workflowsPath: require.resolve('./fixtures/nondeterministic-workflows'), logger: quiet });
    for (const name of ['paid-in-time', 'exact-money/paid-in-time', 'performance/paid-in-time']) {
      const [recorded] = histories().filter((h) => h.workflowId === name);
      await expect(Worker.runReplayHistory({ workflowBundle: broken }, recorded!.history, name)).rejects.toBeInstanceOf(DeterminismViolationError);
    }
  });
});
