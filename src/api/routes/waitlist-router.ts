import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { Router } from 'express';
import type { ApiDeps } from '../deps';
import { currentUser } from '../middleware/authenticate';
import { idParams } from '../openapi/common-schemas';
import { z } from '../openapi/registry';
import { joinWaitlistBody, waitlistEntrySchema } from '../openapi/waitlist-schemas';
import { getWaitlistEntry, joinWaitlist, leaveWaitlist } from '../services/waitlist-service';
import { defineRoute, type RouteError } from './define-route';

const unknownEvent: RouteError = { status: 404, description: 'EVENT_NOT_FOUND: unknown or malformed event id; NOT_FOUND: you have no entry (GET) or no place in line (DELETE)' };
const joinConflicts: RouteError = {
  status: 409,
  description:
    'TICKETS_AVAILABLE (with available): the section has the places, hold them instead; ALREADY_ON_WAITLIST (with entry): you are in line ' +
    'for this event with another section or quantity, or hold an offer from it; EVENT_NOT_ON_SALE / NOT_ON_SALE_YET: the general sale is not open',
};

/**
 * Waiting lists of sold-out sections (mounted under /events): a fan joins, reads where they stand, or
 * leaves. Places that come back are offered as holds by the step that frees them (src/waitlist).
 */
export function createWaitlistRouter(deps: ApiDeps, registry: OpenAPIRegistry, basePath: string): Router {
  const router = Router();
  const ctx = { router, registry, redis: deps.redis, basePath };

  defineRoute(
    ctx,
    {
      method: 'post', path: '/:id/waitlist', operationId: 'joinWaitlist', access: 'user', tags: ['Waiting list'],
      summary: "Join a sold-out section's waiting list: when places come back (a hold expires or is cancelled, an order is refunded) the first fans in line get them as holds of their own",
      params: idParams,
      body: joinWaitlistBody,
      responses: {
        201: { description: 'in line (WAITING, with the position)', schema: waitlistEntrySchema },
        200: { description: 'already in line with this section and quantity: the same entry', schema: waitlistEntrySchema },
      },
      headers: z.object({
        'x-queue-token': z.string().optional().openapi({
          description: 'required for high_demand events: a valid queue_token of an admission for this user and event (the line is open only to fans the waiting room let in); otherwise 403 QUEUE_TOKEN_REQUIRED',
        }),
      }),
      errors: [{ status: 403, description: 'QUEUE_TOKEN_REQUIRED: a high_demand event without a valid X-Queue-Token' }, unknownEvent, joinConflicts],
    },
    async ({ params, body }, req, res) => {
      const { entry, created } = await joinWaitlist(deps, currentUser(res.locals), params.id, body, req.header('x-queue-token') ?? null);
      res.status(created ? 201 : 200).json(entry);
    },
  );

  defineRoute(
    ctx,
    {
      method: 'get', path: '/:id/waitlist', operationId: 'getWaitlistEntry', access: 'user', tags: ['Waiting list'],
      summary: 'Your latest waiting-list entry for the event: your position, or the offer made to you and what became of it',
      params: idParams,
      responses: { 200: { description: 'the entry', schema: waitlistEntrySchema } },
      errors: [unknownEvent],
    },
    async ({ params }, _req, res) => {
      res.json(await getWaitlistEntry(deps, currentUser(res.locals), params.id));
    },
  );

  defineRoute(
    ctx,
    {
      method: 'delete', path: '/:id/waitlist', operationId: 'leaveWaitlist', access: 'user', tags: ['Waiting list'],
      summary: 'Leave the line (places already offered are declined by cancelling their reservation)',
      params: idParams,
      responses: { 200: { description: 'the entry, LEFT', schema: waitlistEntrySchema } },
      errors: [unknownEvent],
    },
    async ({ params }, _req, res) => {
      res.json(await leaveWaitlist(deps, currentUser(res.locals), params.id));
    },
  );
  return router;
}
