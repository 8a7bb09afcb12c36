import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { Router } from 'express';
import type { ApiDeps } from '../deps';
import { currentUser } from '../middleware/authenticate';
import { queueParams, queueStatusSchema } from '../openapi/queue-schemas';
import { joinWaitingRoom, waitingRoomStatus } from '../services/waiting-room-service';
import { defineRoute, type RouteError } from './define-route';

const noRoom: RouteError = { status: 409, description: 'NO_WAITING_ROOM: the event is not high_demand; reserve directly' };
const unknownEvent: RouteError = { status: 404, description: 'EVENT_NOT_FOUND: unknown or malformed event id' };

/** The waiting room of high-demand events: fans join, then ask where they stand until admitted. */
export function createQueueRouter(deps: ApiDeps, registry: OpenAPIRegistry, basePath: string): Router {
  const router = Router();
  const ctx = { router, registry, redis: deps.redis, basePath };

  defineRoute(
    ctx,
    {
      method: 'post', path: '/:event_id/join', operationId: 'joinQueue', access: 'user', tags: ['Waiting room'], rateLimit: 'queue',
      summary: "Join a high-demand event's waiting room; joining again keeps the original position",
      params: queueParams,
      responses: { 200: { description: 'WAITING with the position and an estimated wait; ADMITTED if already admitted; SOLD_OUT or CLOSED when the sale is over', schema: queueStatusSchema } },
      errors: [unknownEvent, noRoom],
    },
    async ({ params }, _req, res) => {
      res.json(await joinWaitingRoom(deps, currentUser(res.locals), params.event_id));
    },
  );

  defineRoute(
    ctx,
    {
      method: 'get', path: '/:event_id/status', operationId: 'getQueueStatus', access: 'user', tags: ['Waiting room'],
      summary: 'Where the fan stands: WAITING (position, estimated wait), ADMITTED (queue_token, expires_at), NOT_IN_QUEUE, SOLD_OUT or CLOSED',
      params: queueParams,
      responses: { 200: { description: 'the fan’s state in the waiting room', schema: queueStatusSchema } },
      errors: [unknownEvent, noRoom],
    },
    async ({ params }, _req, res) => {
      res.json(await waitingRoomStatus(deps, currentUser(res.locals), params.event_id));
    },
  );
  return router;
}
