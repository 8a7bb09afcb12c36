import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import { resaleListingWorkflowId } from '../workflows/ids';
import { listingClosedSignal } from '../workflows/resale-definitions';

/**
 * Tells the workflows of listings closed in PostgreSQL (by the door, an order's refund, an event's
 * cancellation) that they are closed, so each ends now rather than at the event's start. A listing
 * whose workflow has ended already needs nothing. A workflow that missed the news is still safe:
 * PostgreSQL refuses its charges and its sale, and its timer finds the listing closed.
 */
export async function tellListingsClosed(temporal: Client, listingIds: string[], reason: string): Promise<void> {
  await Promise.all(
    listingIds.map(async (listingId) => {
      try {
        await temporal.workflow.getHandle(resaleListingWorkflowId(listingId)).signal(listingClosedSignal, { status: 'WITHDRAWN', reason });
      } catch (err) {
        if (!(err instanceof WorkflowNotFoundError)) throw err;
      }
    }),
  );
}
