import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { temporal } from '@temporalio/proto';
import { DeterminismViolationError } from '@temporalio/workflow';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { bundleFromGit } from '../../scripts/lib/build-from-git';
import { createWorkerActivities } from '../../src/workers/worker-activities';
import { WORKFLOW_INTERCEPTOR_MODULES } from '../../src/workers/workflow-bundle';
import { quietTemporalRuntime, workflowBundle } from '../support/env';

quietTemporalRuntime();

/*
 * Recorded histories prove a change safe for the runs open when it ships (docs/upgrades.md):
 * - current/: recorded by this code (`npm run record-histories`); every one replays on it.
 * - previous/: recorded by the previous release (release.json names its commit). A run pinned to its
 *   build finishes on that build, so its history replays on the previous release's code, made from git
 *   as a worker would get it; a run that upgrades (AUTO_UPGRADE) moves to this code, so it replays here.
 * Older recordings retired with their code; git keeps them.
 */
const HISTORIES = join(__dirname, 'histories');
type History = ReturnType<typeof historyFromJSON>;
interface Recorded {
  name: string;
  history: History;
}

function load(folder: 'current' | 'previous'): Recorded[] {
  const dir = join(HISTORIES, folder);
  return readdirSync(dir)
    .filter((file) => file.endsWith('.json') && file !== 'release.json')
    .sort()
    .map((file) => ({ name: `${folder}/${file.replace(/\.json$/, '')}`, history: historyFromJSON(JSON.parse(readFileSync(join(dir, file), 'utf8'))) }));
}

const { VersioningBehavior, EventType } = temporal.api.enums.v1;

/** How the run was versioned, as its worker declared it in each completed workflow task. */
function behaviorOf(history: History): 'PINNED' | 'AUTO_UPGRADE' | 'UNVERSIONED' {
  const completed = (history.events ?? []).find((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED);
  const behavior = completed?.workflowTaskCompletedEventAttributes?.versioningBehavior;
  if (behavior === VersioningBehavior.VERSIONING_BEHAVIOR_AUTO_UPGRADE) return 'AUTO_UPGRADE';
  if (behavior === VersioningBehavior.VERSIONING_BEHAVIOR_PINNED) return 'PINNED';
  return 'UNVERSIONED';
}

function workflowType(history: History): string {
  return history.events?.[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name ?? '?';
}

/** Activity types a history scheduled, regular and local (a local activity is a marker with its type in the details). */
function activityTypes(history: History): string[] {
  const types = new Set<string>();
  for (const event of history.events ?? []) {
    const scheduled = event.activityTaskScheduledEventAttributes?.activityType?.name;
    if (scheduled) types.add(scheduled);
    const marker = event.markerRecordedEventAttributes;
    if (marker?.markerName === 'core_local_activity') {
      const data = marker.details?.data?.payloads?.[0]?.data;
      if (data) {
        const type = (JSON.parse(Buffer.from(data).toString('utf8')) as { activity_type?: string }).activity_type;
        if (type) types.add(type);
      }
    }
  }
  return [...types];
}

async function replayAll(bundle: { code: string }, recorded: Recorded[]): Promise<Array<{ name: string; error?: string }>> {
  const results = [];
  for await (const result of Worker.runReplayHistories({ workflowBundle: bundle }, recorded.map((r) => ({ workflowId: r.name, history: r.history })))) {
    results.push({ name: result.workflowId, error: result.error?.message });
  }
  return results;
}

const quiet = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} } as never;
const current = load('current');
const previous = load('previous');
const previousRelease = JSON.parse(readFileSync(join(HISTORIES, 'previous', 'release.json'), 'utf8')) as { commit: string };

describe('replaying recorded workflow histories', () => {
  test('the recordings cover every workflow family and every path of a reservation, for this code and the previous release', () => {
    const reservationPaths = [
      'paid-in-time', 'expired-unpaid', 'extended-then-cancelled', 'declined-three-times', 'flaky-processor-then-paid', 'rejected-seat-taken',
      'paid-by-webhook', 'confirm-503-then-paid', 'hold-lost-and-refunded', 'webhook-refund', 'duplicate-webhook', 'operator-cancel',
      'operator-cancel-during-payment',
    ];
    const others = ['late-payment', 'refund-order', 'cancel-event', 'reconciliation', 'on-sale-sold-out'];
    // Families the previous release did not have yet: recorded by this code only.
    const since = ['demand-pricing', 'email-order-confirmed', 'email-sweep', 'resale-listing-sold', 'resale-listing-withdrawn', 'retire-builds'];
    expect(previous.map((r) => r.name)).toEqual(expect.arrayContaining([...reservationPaths, ...others].map((n) => `previous/${n}`)));
    expect(current.map((r) => r.name)).toEqual(expect.arrayContaining([...reservationPaths, ...others, ...since].map((n) => `current/${n}`)));
    // This code's recordings were made under Worker Versioning, each family as docs/architecture.md says:
    // what lives as long as a sale or a listing upgrades, everything else finishes on its own build.
    const byName = new Map(current.map((r) => [r.name.replace(/^current\//, ''), r.history]));
    const behaviors = Object.fromEntries([...byName].map(([name, history]) => [name, behaviorOf(history)]));
    const upgrading = ['on-sale-sold-out', 'demand-pricing', 'email-order-confirmed', 'resale-listing-sold', 'resale-listing-withdrawn'];
    for (const [name, behavior] of Object.entries(behaviors)) expect([name, behavior]).toEqual([name, upgrading.includes(name) ? 'AUTO_UPGRADE' : 'PINNED']);
  });

  test('this code replays every history it recorded', async () => {
    expect(await replayAll(workflowBundle(), current)).toEqual(current.map((r) => ({ name: r.name, error: undefined })));
  });

  test("the previous release's pinned runs replay on the previous release's code, and its upgrading runs on this code", async () => {
    const pinned = previous.filter((r) => behaviorOf(r.history) !== 'AUTO_UPGRADE');
    const upgrading = previous.filter((r) => behaviorOf(r.history) === 'AUTO_UPGRADE');
    const previousBuild = await bundleFromGit(previousRelease.commit);
    expect(await replayAll(previousBuild, pinned)).toEqual(pinned.map((r) => ({ name: r.name, error: undefined })));
    expect(await replayAll(workflowBundle(), upgrading)).toEqual(upgrading.map((r) => ({ name: r.name, error: undefined })));
  }, 120_000);

  test("every activity the previous release's runs call is still registered by this worker (its runs finish with this code's activities)", () => {
    const registered = Object.keys(createWorkerActivities({ deployment: { namespace: 'default', deploymentName: 'x', retireAfterMs: 0 } } as never));
    const called = [...new Set([...previous, ...current].flatMap((r) => activityTypes(r.history)))].sort();
    expect(called.length).toBeGreaterThan(10);
    expect(called.filter((type) => !registered.includes(type))).toEqual([]);
  });

  test('a change that breaks determinism (a timer before the hold) makes replay fail', async () => {
    const broken = await bundleWorkflowCode({
      workflowsPath: require.resolve('./fixtures/nondeterministic-workflows'),
      workflowInterceptorModules: WORKFLOW_INTERCEPTOR_MODULES,
      logger: quiet,
    });
    const recorded = current.find((r) => r.name === 'current/paid-in-time')!;
    expect(workflowType(recorded.history)).toBe('reservationWorkflow');
    await expect(Worker.runReplayHistory({ workflowBundle: broken }, recorded.history, recorded.name)).rejects.toBeInstanceOf(DeterminismViolationError);
  });
});
