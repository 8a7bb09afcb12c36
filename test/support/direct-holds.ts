import { randomUUID } from 'node:crypto';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { holdUpdate } from '../../src/workflows/definitions';
import { RESERVATION_WORKFLOW_TYPE, reservationWorkflowId } from '../../src/workflows/ids';
import type { reservationWorkflow } from '../../src/workflows/reservation-workflow';
import { reservationInput } from './workflow-harness';

export interface PendingHold {
  handle: WorkflowHandle<typeof reservationWorkflow>;
  heldUntil: number;
}

/**
 * One reservation workflow per seat, each holding its seat for `holdSeconds`, started the way the API
 * starts them (start, then the hold update), straight through Temporal: no API in the way.
 */
export async function holdEachSeat(
  client: Client,
  taskQueue: string,
  hold: { eventId: string; userId: string; seatIds: string[]; holdSeconds: number },
): Promise<PendingHold[]> {
  return Promise.all(
    hold.seatIds.map(async (seatId) => {
      const input = reservationInput({ eventId: hold.eventId, userId: hold.userId, seatIds: [seatId], holdSeconds: hold.holdSeconds });
      const handle = await client.workflow.start<typeof reservationWorkflow>(RESERVATION_WORKFLOW_TYPE, {
        workflowId: reservationWorkflowId(input.reservationId),
        taskQueue,
        args: [input],
      });
      const { reservation } = await handle.executeUpdate(holdUpdate, { args: [{ requestId: randomUUID() }] });
      return { handle, heldUntil: Date.parse(reservation.held_until) };
    }),
  );
}
