import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { AppError } from '../../domain/errors';
import type { OnSaleLimits } from '../../domain/on-sale';
import { getEventRules } from '../../events/event-rules';
import { fanPlace, joinQueue, roomInfo, type FanPlace } from '../../waiting-room/queue';
import { saleOpensAt } from '../../waiting-room/sale-progress';
import { queueTokenIdOf, signQueueToken } from '../../waiting-room/queue-token';
import type { AuthUser } from '../../users/auth-user';
import { EventIdKey } from '../../workflows/definitions';
import { onSaleWorkflowId } from '../../workflows/ids';
import type { onSaleWorkflow } from '../../workflows/on-sale-workflow';
import type { ApiDeps } from '../deps';
import type { QueueStatusView } from '../openapi/queue-schemas';

/** A process knows an on-sale it started (or found running) for this long before it asks Temporal again. */
const STARTED_MEMORY_MS = 60_000;
const started = new Map<string, number>();

/** Joins the event's waiting room (joining again keeps the place) and makes sure its on-sale runs. */
export async function joinWaitingRoom(deps: ApiDeps, user: AuthUser, eventId: string): Promise<QueueStatusView> {
  const rules = await waitingRoomEvent(deps, eventId);
  if (rules.status === 'CANCELLED') return { state: 'CLOSED' };
  const opensAt = await saleOpensAt(deps.pool, rules.id);
  const place = await joinQueue(deps.redis, rules.id, user.id, Date.now(), opensAt?.getTime() ?? 0);
  if (place.state === 'WAITING' || place.state === 'PRE_QUEUE') await ensureOnSale(deps, rules.id);
  return answer(deps, rules.id, user, place);
}

export async function waitingRoomStatus(deps: ApiDeps, user: AuthUser, eventId: string): Promise<QueueStatusView> {
  const rules = await waitingRoomEvent(deps, eventId);
  if (rules.status === 'CANCELLED') return { state: 'CLOSED' };
  const opensAt = await saleOpensAt(deps.pool, rules.id);
  return answer(deps, rules.id, user, await fanPlace(deps.redis, rules.id, user.id, Date.now(), opensAt?.getTime() ?? 0));
}

async function waitingRoomEvent(deps: ApiDeps, eventId: string) {
  const rules = await getEventRules(deps.pool, eventId);
  if (!rules.high_demand) throw new AppError('NO_WAITING_ROOM', 'this event sells without a waiting room: reserve directly', { event_id: rules.id });
  return rules;
}

export function onSaleLimits(config: ApiDeps['config']): OnSaleLimits {
  return {
    maxActive: config.WAITING_ROOM_MAX_ACTIVE,
    maxAdmissionsPerSecond: config.WAITING_ROOM_MAX_ADMISSIONS_PER_SECOND,
    targetHoldP95Ms: config.WAITING_ROOM_TARGET_HOLD_P95_MS,
    admissionWindowSeconds: config.WAITING_ROOM_ADMISSION_WINDOW_SECONDS,
    tickMs: config.WAITING_ROOM_TICK_MS,
  };
}

/**
 * Starts the event's on-sale workflow unless it runs. One per event: the id comes from the event, and
 * a running one is kept (USE_EXISTING); one that ended (the event started or was cancelled) is not
 * started again, one that failed or was terminated by an operator is.
 */
async function ensureOnSale(deps: ApiDeps, eventId: string): Promise<void> {
  const known = started.get(eventId);
  if (known !== undefined && Date.now() - known < STARTED_MEMORY_MS) return;
  try {
    await deps.temporal.workflow.start<typeof onSaleWorkflow>('onSaleWorkflow', {
      workflowId: onSaleWorkflowId(eventId),
      taskQueue: deps.config.TEMPORAL_TASK_QUEUE,
      args: [{ eventId, limits: onSaleLimits(deps.config), initialAdmissionsPerSecond: deps.config.WAITING_ROOM_INITIAL_ADMISSIONS_PER_SECOND }],
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
      typedSearchAttributes: [{ key: EventIdKey, value: eventId }],
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
  started.set(eventId, Date.now());
}

async function answer(deps: ApiDeps, eventId: string, user: AuthUser, place: FanPlace): Promise<QueueStatusView> {
  switch (place.state) {
    case 'ADMITTED': {
      const { admission } = place;
      const claims = { eventId, userId: user.id, expiresAtMs: admission.expiresAtMs, admissionNumber: admission.admissionNumber };
      return {
        state: 'ADMITTED',
        queue_token: signQueueToken(deps.config.QUEUE_TOKEN_SECRET, { ...claims, tokenId: queueTokenIdOf(claims) }),
        expires_at: new Date(admission.expiresAtMs).toISOString(),
        admitted_at: new Date(admission.admittedAtMs).toISOString(),
        admission_number: admission.admissionNumber,
        queue_number: admission.joinNumber,
      };
    }
    case 'WAITING': {
      const info = await roomInfo(deps.redis, eventId);
      const rate = info.ratePerSecond || info.maxRatePerSecond || deps.config.WAITING_ROOM_MAX_ADMISSIONS_PER_SECOND;
      const untilOpen = info.opensAtMs ? Math.max(info.opensAtMs - Date.now(), 0) / 1000 : 0;
      const wait = Math.ceil(untilOpen + place.position / rate);
      return {
        state: 'WAITING',
        position: place.position,
        total: place.total,
        estimated_wait_seconds: wait,
        queue_number: place.joinNumber,
        poll_after_seconds: Math.min(Math.max(Math.ceil(wait / 5), 1), 30),
      };
    }
    case 'PRE_QUEUE':
      return {
        state: 'PRE_QUEUE',
        opens_at: new Date(place.opensAtMs).toISOString(),
        poll_after_seconds: Math.min(Math.max(Math.ceil((place.opensAtMs - Date.now()) / 1000), 1), 30),
      };
    default:
      return { state: place.state };
  }
}
