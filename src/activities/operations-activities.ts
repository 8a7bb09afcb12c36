import { Context } from '@temporalio/activity';
import { WorkflowFailedError, type Client } from '@temporalio/client';
import { CancelledFailure, WorkflowNotFoundError } from '@temporalio/common';
import type { Pool } from 'pg';
import { closeHold } from '../inventory/release';
import { confirmedOrdersOf, liveReservationsOf, markEventCancelled } from '../operations/event-cancellation';
import { withdrawListingsOfEvent } from '../resale/close-listing';
import { tellListingsClosed } from '../resale/listing-workflows';
import { openReservations, runDatabaseChecks, type CheckOptions, type CheckResults, type Finding } from '../operations/reconciliation-checks';
import { storeReport, type NewReport } from '../operations/reconciliation-reports';
import { mapWithConcurrency } from '../shared/concurrency';
import { reservationWorkflowId } from '../workflows/ids';

/** How many reservations of a cancelled event are cancelled at once. */
const CANCEL_CONCURRENCY = 10;
/** Workflows described at once when reconciliation looks for holds nobody releases. */
const DESCRIBE_CONCURRENCY = 20;

export interface ReservationsCancelled {
  /** Released by their own workflow (or, with no workflow left, directly). */
  released: number;
  /** A payment under way completed first: the sale stands, and the order is refunded next. */
  sold: number;
}

/** The side effects of operators' workflows: an event's cancellation, reconciliation. */
export function createOperationsActivities({ pool, temporal }: { pool: Pool; temporal: Client }) {
  return {
    /** From here on nothing of the event is sold: no hold, and no resale (its open listings are withdrawn). */
    async markEventCancelled(input: { eventId: string; reason: string }): Promise<{ cancelledAt: string }> {
      const marked = await markEventCancelled(pool, input);
      await tellListingsClosed(temporal, await withdrawListingsOfEvent(pool, input.eventId), 'EVENT_CANCELLED');
      return marked;
    },

    async liveReservationsOf(input: { eventId: string; limit: number }): Promise<string[]> {
      return liveReservationsOf(pool, input.eventId, input.limit);
    },

    async confirmedOrdersOf(input: { eventId: string; limit: number; excluding: string[] }): Promise<string[]> {
      return confirmedOrdersOf(pool, input.eventId, input.limit, input.excluding);
    },

    async runReconciliationChecks(input: CheckOptions): Promise<CheckResults> {
      return runDatabaseChecks(pool, input);
    },

    /** Open reservations whose workflow is not running: nothing would ever release them. */
    async findHoldsWithoutWorkflow(input: { olderThanSeconds: number; limit: number; eventId?: string | null }): Promise<{ count: number; findings: Finding[] }> {
      const open = await openReservations(pool, input.olderThanSeconds, input.eventId ?? null);
      const orphans: Finding[] = [];
      await mapWithConcurrency(open, DESCRIBE_CONCURRENCY, async (reservation) => {
        const status = await temporal.workflow
          .getHandle(reservationWorkflowId(reservation.id))
          .describe()
          .then((d) => d.status.name, (err: unknown) => (err instanceof WorkflowNotFoundError ? 'NOT_FOUND' : Promise.reject(err)));
        if (status !== 'RUNNING') {
          orphans.push({ check: 'HOLD_WITHOUT_WORKFLOW', event_id: reservation.event_id, subject: reservation.id, detail: `open in PostgreSQL, workflow ${status}` });
        }
        Context.current().heartbeat();
      });
      return { count: orphans.length, findings: orphans.slice(0, input.limit) };
    },

    async storeReconciliationReport(report: NewReport): Promise<string> {
      return storeReport(pool, report);
    },

    /**
     * Cancels each reservation through its own workflow (as an operator's `temporal workflow cancel`
     * would: a payment under way finishes first) and waits for it to close, a few at a time.
     */
    async cancelReservations(input: { reservationIds: string[] }): Promise<ReservationsCancelled> {
      const counts: ReservationsCancelled = { released: 0, sold: 0 };
      await mapWithConcurrency(input.reservationIds, CANCEL_CONCURRENCY, async (reservationId) => {
        const outcome = await cancelThroughWorkflow(temporal, pool, reservationId);
        counts[outcome] += 1;
        Context.current().heartbeat(counts);
      });
      return counts;
    },
  };
}

async function cancelThroughWorkflow(temporal: Client, pool: Pool, reservationId: string): Promise<keyof ReservationsCancelled> {
  const handle = temporal.workflow.getHandle(reservationWorkflowId(reservationId));
  try {
    await handle.cancel();
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
  }
  try {
    const outcome = await handle.result();
    return outcome.status === 'CONFIRMED' ? 'sold' : 'released';
  } catch (err) {
    if (err instanceof WorkflowFailedError && err.cause instanceof CancelledFailure) return 'released';
    if (!(err instanceof WorkflowNotFoundError) && !(err instanceof WorkflowFailedError)) throw err;
  }
  // No workflow holds it any more (it ended otherwise, or never ran here): the database is released
  // directly. A row already gone (its failed hold was abandoned) holds nothing; a sold one is refunded
  // with the event's orders.
  const closed = await closeHold(pool, { reservationId, status: 'CANCELLED', reason: 'EVENT_CANCELLED', actor: 'operator:event-cancellation' });
  return closed === 'SOLD' ? 'sold' : 'released';
}

export type OperationsActivities = ReturnType<typeof createOperationsActivities>;
