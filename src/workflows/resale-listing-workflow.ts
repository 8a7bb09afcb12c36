import { CancellationScope, setHandler, setWorkflowOptions, workflowInfo } from '@temporalio/workflow';
import type { ResaleListingInput, ResaleListingOutcome } from '../domain/resale';
import { ListingRun } from './resale-listing-run';
import { listingClosedSignal, listingQuery, openListingUpdate, purchaseListingUpdate, withdrawListingUpdate } from './resale-definitions';

/**
 * One resale listing, from listed to sold, withdrawn or expired (workflow id `resale-listing-<listing id>`).
 *
 * It opens the listing, then sleeps on one durable timer until the event starts while buyers purchase
 * and the seller withdraws (updates, refused by their validators before anything is written when they
 * cannot be taken) and the door or a refund closes it (signal). A sale charges the buyer once, makes
 * the seller's ticket RESOLD and issues the buyer's, and pays the seller out once before the run ends.
 * The steps are in resale-listing-run.ts, the rules in src/domain/resale-rules.ts.
 */
export async function resaleListingWorkflow(input: ResaleListingInput): Promise<ResaleListingOutcome> {
  const run = new ListingRun(input);
  setHandler(listingQuery, () => run.state.view);
  setHandler(openListingUpdate, () => run.answerOpen());
  setHandler(purchaseListingUpdate, (request) => run.exclusive(() => run.purchase(request)), { validator: (request) => run.admitPurchase(request) });
  setHandler(withdrawListingUpdate, (request) => run.exclusive(() => run.withdraw(request)), { validator: (_request) => run.admitWithdraw() });
  setHandler(listingClosedSignal, (closed) => run.state.closeElsewhere(closed));

  await run.open();
  await run.untilClosed();
  return CancellationScope.nonCancellable(() => run.finish());
}

/**
 * A listing lives until its event starts (weeks, months): it moves to each new build on its next task
 * instead of keeping an old build alive, so a change to it must replay its recorded histories
 * (patched() where it would not; docs/upgrades.md). Said only to a versioned worker: an unversioned
 * one (WORKER_VERSIONING=off, tests) may not name a behaviour, and it too reports a version (the SDK's
 * build id) but with no deployment name. Its history stays short without continuing as new:
 * MAX_ACTIONS_PER_LISTING bounds it (docs/resale.md).
 */
setWorkflowOptions(() => (workflowInfo().currentDeploymentVersion?.deploymentName ? { versioningBehavior: 'AUTO_UPGRADE' } : {}), resaleListingWorkflow);
