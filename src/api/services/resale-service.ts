import { randomUUID } from 'node:crypto';
import { WithStartWorkflowOperation } from '@temporalio/client';
import { AppError } from '../../domain/errors';
import type { ListingView, PurchaseResult, ResaleListingInput } from '../../domain/resale';
import { assertEventExists } from '../../events/event-lookup';
import { loadListing, openListingsOfEvent, type ListingRecord } from '../../resale/listing-view';
import { checkListable } from '../../resale/open-listing';
import { loadTicket } from '../../tickets/ticket-view';
import type { AuthUser } from '../../users/auth-user';
import { RESALE_LISTING_WORKFLOW_TYPE, resaleListingWorkflowId } from '../../workflows/ids';
import { openListingUpdate, purchaseListingUpdate, withdrawListingUpdate } from '../../workflows/resale-definitions';
import type { resaleListingWorkflow } from '../../workflows/resale-listing-workflow';
import type { ApiDeps } from '../deps';
import { isTemporalTimeout, isUpdateDroppedWithItsTask, isWorkflowGone, refusalFrom } from '../temporal-errors';

/** A seller or buyer waits this long for an answer; past it they get 503 and the workflow carries on safely. */
const UPDATE_DEADLINE_MS = 20_000;

/**
 * Lists a ticket: the request is judged first without locks (most refusals end here, without a
 * workflow), then the listing's workflow is started and its opening awaited in one call
 * (update-with-start); the workflow's own transaction judges it again under the locks.
 */
export async function createListing(deps: ApiDeps, user: AuthUser, ticketId: string, priceCents: number): Promise<ListingView> {
  const terms = await checkListable(deps.pool, { ticketId, requester: user, priceCents });
  const listingId = randomUUID();
  const input: ResaleListingInput = { listingId, ticketId, sellerId: terms.sellerId, requesterId: user.id, requesterRole: user.role, priceCents };
  const start = new WithStartWorkflowOperation<typeof resaleListingWorkflow>(RESALE_LISTING_WORKFLOW_TYPE, {
    workflowId: resaleListingWorkflowId(listingId),
    taskQueue: deps.config.TEMPORAL_TASK_QUEUE,
    args: [input],
    // The id is new for every request: there is never an earlier run to join.
    workflowIdConflictPolicy: 'FAIL',
  });
  try {
    return await withDeadline(deps, () => deps.temporal.workflow.executeUpdateWithStart(openListingUpdate, { args: [], startWorkflowOperation: start }));
  } catch (err) {
    throw translate(err);
  }
}

/** A LISTED listing is anyone's to see; a closed one only its seller's, its buyer's or an admin's. */
export async function getListing(deps: ApiDeps, user: AuthUser, listingId: string): Promise<ListingView> {
  return (await visibleListing(deps, user, listingId)).view;
}

export async function listEventListings(deps: ApiDeps, eventId: string, sectionId: string | null, limit: number): Promise<ListingView[]> {
  await assertEventExists(deps.pool, eventId);
  return openListingsOfEvent(deps.pool, eventId, sectionId, limit);
}

/** The seller (or an admin) withdraws a listing through its workflow; anyone else is told it does not exist. */
export async function withdrawListing(deps: ApiDeps, user: AuthUser, listingId: string): Promise<ListingView> {
  const record = await loadListing(deps.pool, listingId);
  if (!record || (record.sellerId !== user.id && user.role !== 'admin')) throw new AppError('NOT_FOUND', 'listing not found');
  if (record.view.status === 'WITHDRAWN') return record.view;
  if (record.view.status !== 'LISTED') throw unavailable(record.view.status);
  const reason = record.sellerId === user.id ? 'SELLER' : 'ADMIN';
  const handle = deps.temporal.workflow.getHandle(resaleListingWorkflowId(listingId));
  try {
    return await withDeadline(deps, () => handle.executeUpdate(withdrawListingUpdate, { args: [{ actor: `user:${user.id}`, reason }] }));
  } catch (err) {
    if (!isWorkflowGone(err)) throw translate(err);
  }
  // The workflow has ended: the listing is closed, and answered as it is.
  const closed = await loadListing(deps.pool, listingId);
  if (closed?.view.status === 'WITHDRAWN') return closed.view;
  throw unavailable(closed?.view.status ?? 'missing');
}

/**
 * A buyer pays for a listing through its workflow, which takes one purchase at a time: of buyers
 * racing, one gets the listing and the others 409 LISTING_UNAVAILABLE, and only one is charged.
 * The buyer who bought it gets their purchase again.
 */
export async function purchaseListing(
  deps: ApiDeps,
  user: AuthUser,
  listingId: string,
  paymentMethodId: string,
  idempotencyKey: string | null,
): Promise<PurchaseResult> {
  const record = await loadListing(deps.pool, listingId);
  if (!record) throw new AppError('NOT_FOUND', 'listing not found');
  if (record.sellerId === user.id) throw new AppError('OWN_LISTING', 'this is your own listing; withdraw it instead');
  if (record.view.status !== 'LISTED') return answerClosed(deps, user, record);
  const handle = deps.temporal.workflow.getHandle(resaleListingWorkflowId(listingId));
  try {
    return await withDeadline(deps, () =>
      handle.executeUpdate(purchaseListingUpdate, { args: [{ buyerId: user.id, paymentMethodId, idempotencyKey }] }),
    );
  } catch (err) {
    if (!isWorkflowGone(err)) throw translate(err);
  }
  const closed = await loadListing(deps.pool, listingId);
  if (!closed) throw new AppError('NOT_FOUND', 'listing not found');
  return answerClosed(deps, user, closed);
}

async function visibleListing(deps: ApiDeps, user: AuthUser, listingId: string): Promise<ListingRecord> {
  const record = await loadListing(deps.pool, listingId);
  const involved = record && (record.view.status === 'LISTED' || user.role === 'admin' || record.sellerId === user.id || record.buyerId === user.id);
  if (!record || !involved) throw new AppError('NOT_FOUND', 'listing not found');
  return record;
}

/** A closed listing: its buyer gets their purchase again; anyone else is refused. */
async function answerClosed(deps: ApiDeps, user: AuthUser, record: ListingRecord): Promise<PurchaseResult> {
  if (record.view.status === 'SOLD' && record.buyerId === user.id && record.newTicketId) {
    const ticket = await loadTicket(deps.pool, record.newTicketId);
    if (ticket) return { listing: record.view, ticket };
  }
  throw unavailable(record.view.status);
}

function unavailable(status: string): AppError {
  return new AppError('LISTING_UNAVAILABLE', `the listing is ${status}`, { listing_status: status });
}

function translate(err: unknown): unknown {
  const refusal = refusalFrom(err);
  if (refusal) return refusal;
  if (isTemporalTimeout(err)) return new AppError('UNAVAILABLE', 'the resale service did not answer in time; retry');
  if (isUpdateDroppedWithItsTask(err)) return new AppError('UNAVAILABLE', 'the resale service lost the answer; retry');
  return err;
}

function withDeadline<T>(deps: ApiDeps, fn: () => Promise<T>): Promise<T> {
  return deps.temporal.connection.withDeadline(Date.now() + UPDATE_DEADLINE_MS, fn);
}
