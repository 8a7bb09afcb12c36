import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { Router } from 'express';
import type { ApiDeps } from '../deps';
import { idParams } from '../openapi/common-schemas';
import {
  createEventBodySchema,
  eventListSchema,
  eventSchema,
  listEventsQuerySchema,
  seatMapQuerySchema,
  seatMapSchema,
} from '../openapi/event-schemas';
import { createEvent, getEvent, listEvents } from '../services/events-service';
import { eventCreatedLinks, seatMapLinks } from '../openapi/links';
import { getSeatMap } from '../services/seat-map';
import { defineRoute } from './define-route';

/** Events: admins create them (with their inventory); browsing and seat maps are public. */
export function createEventsRouter(deps: ApiDeps, registry: OpenAPIRegistry, basePath: string): Router {
  const router = Router();
  const ctx = { router, registry, redis: deps.redis, basePath };

  defineRoute(
    ctx,
    {
      method: 'post',
      path: '/',
      operationId: 'createEvent',
      summary: 'Create an event and its inventory (one seat row per seat, one counter per GA section)',
      access: 'admin',
      tags: ['Events'],
      body: createEventBodySchema,
      responses: { 201: { description: 'the event; its inventory exists and is on sale from on_sale_at', schema: eventSchema, links: eventCreatedLinks } },
      errors: [404],
    },
    async ({ body }, _req, res) => {
      res.status(201).json(await createEvent(deps.pool, body));
    },
  );

  defineRoute(
    ctx,
    {
      method: 'get',
      path: '/',
      operationId: 'listEvents',
      summary: 'List events by start time (keyset pages: pass next_cursor back as cursor)',
      access: 'public',
      tags: ['Events'],
      query: listEventsQuerySchema,
      responses: { 200: { description: 'a page of events ordered by starts_at, id', schema: eventListSchema } },
    },
    async ({ query }, _req, res) => {
      res.json(await listEvents(deps.pool, query));
    },
  );

  defineRoute(
    ctx,
    {
      method: 'get',
      path: '/:id',
      operationId: 'getEvent',
      summary: 'Get an event with its sections, prices and counts',
      access: 'public',
      tags: ['Events'],
      params: idParams,
      responses: { 200: { description: 'the event', schema: eventSchema } },
      errors: [404],
    },
    async ({ params }, _req, res) => {
      res.json(await getEvent(deps.pool, params.id));
    },
  );

  defineRoute(
    ctx,
    {
      method: 'get',
      path: '/:id/seats',
      operationId: 'getEventSeats',
      summary: 'Seat availability of an event (at most 1 s old)',
      access: 'public',
      tags: ['Events'],
      params: idParams,
      query: seatMapQuerySchema,
      responses: { 200: { description: 'sections with their seats (SEATED) or counts (GA)', schema: seatMapSchema, links: seatMapLinks } },
      errors: [404],
    },
    async ({ params, query }, _req, res) => {
      res.json(await getSeatMap(deps.pool, deps.redis, params.id, query));
    },
  );

  return router;
}
