import { WorkflowExecutionAlreadyStartedError, WorkflowFailedError } from '@temporalio/client';
import { AppError } from '../../domain/errors';
import { listOrders, loadOrder, type OrderView } from '../../orders/orders-repository';
import type { AuthUser } from '../../users/auth-user';
import { refundOrderWorkflowId } from '../../workflows/ids';
import type { refundOrderWorkflow } from '../../workflows/refund-order-workflow';
import type { ApiDeps } from '../deps';
import { isWorkflowGone, refusalFrom } from '../temporal-errors';

/** How long an admin's refund request waits for the refund to complete before answering 202. */
const REFUND_WAIT_MS = 15_000;

/** The buyer's own order, or any order for an admin; anyone else is told it does not exist. */
export async function getOrder(deps: ApiDeps, user: AuthUser, orderId: string): Promise<OrderView> {
  const order = await loadOrder(deps.pool, orderId);
  if (!order || (order.user_id !== user.id && user.role !== 'admin')) throw new AppError('NOT_FOUND', 'order not found');
  return order;
}

export function listMyOrders(deps: ApiDeps, user: AuthUser, page: { limit: number; cursor?: string | undefined }) {
  return listOrders(deps.pool, user.id, page);
}

/**
 * Refunds an order through its refund workflow (one per order) and answers with the order once the
 * workflow has finished: 200 REFUNDED. A refund that takes longer (a slow provider) is answered 202
 * with the order as it stands (REFUNDING: tickets cancelled, inventory back); it completes by itself.
 */
export async function refundOrder(deps: ApiDeps, admin: AuthUser, orderId: string): Promise<{ status: 200 | 202; order: OrderView }> {
  const order = await loadOrder(deps.pool, orderId);
  if (!order) throw new AppError('NOT_FOUND', 'order not found');
  if (order.status === 'REFUNDED') return { status: 200, order };
  const workflowId = refundOrderWorkflowId(orderId);
  try {
    await deps.temporal.workflow.start<typeof refundOrderWorkflow>('refundOrderWorkflow', {
      workflowId,
      taskQueue: deps.config.TEMPORAL_TASK_QUEUE,
      args: [{ orderId, requestedBy: `user:${admin.id}`, reason: 'refunded by an admin' }],
      // A refund under way is joined; a failed one may be tried again; a finished one is answered below.
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
  try {
    await deps.temporal.connection.withDeadline(Date.now() + REFUND_WAIT_MS, () => deps.temporal.workflow.getHandle(workflowId).result());
  } catch (err) {
    // A failure that is not one of the contract's refusals is told in our words: its own may quote a dependency.
    if (err instanceof WorkflowFailedError) throw refusalFrom(err.cause) ?? new AppError('REFUND_NOT_POSSIBLE', 'the refund did not complete; an operator must look at its workflow');
    if (!isDeadline(err) && !isWorkflowGone(err)) throw err;
  }
  const after = await loadOrder(deps.pool, orderId);
  if (!after) throw new AppError('NOT_FOUND', 'order not found');
  return { status: after.status === 'REFUNDED' ? 200 : 202, order: after };
}

function isDeadline(err: unknown): boolean {
  return (err as { code?: unknown })?.code === 4; // gRPC DEADLINE_EXCEEDED
}
