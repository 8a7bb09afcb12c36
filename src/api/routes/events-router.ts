import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { Router } from 'express';
import { isUuid } from '../../db/uuid';
import { listEvents } from '../../events/event-list';
import { assertEventExists, eventNotFound } from '../../events/event-lookup';
import { getEvent } from '../../events/event-view';
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
import { z } from '../openapi/registry';
import { eventCreatedLinks, seatMapLinks } from '../openapi/links';
import {
  STREAM_DESCRIPTION,
  inventoryChangeSchema,
  priceChangeSchema,
  streamHeadersSchema,
  streamQuerySchema,
  streamReadySchema,
  streamReloadSchema,
} from '../openapi/live-schemas';
import { createEventWithPricing } from '../services/event-creation-service';
import { SeatMapResponses, type Encoding } from '../services/seat-map-responses';
import { AppError } from '../../domain/errors';
import { defineRoute } from './define-route';

/** Events: admins create them (with their inventory); browsing and seat maps are public. */
export function createEventsRouter(deps: ApiDeps, registry: OpenAPIRegistry, basePath: string): Router {
  const router = Router();
  const ctx = { router, registry, redis: deps.redis, basePath };
  const seatMaps = new SeatMapResponses();
  registry.register('InventoryChange', inventoryChangeSchema);
  registry.register('PriceChange', priceChangeSchema);
  registry.register('StreamReady', streamReadySchema);
  registry.register('StreamReload', streamReloadSchema);

  defineRoute(
    ctx,
    {
      method: 'post',
      path: '/',
      operationId: 'createEvent',
      summary: 'Create an event and its inventory (one seat row per seat, one counter per GA section); a DEMAND-priced one starts its pricing workflow',
      access: 'admin',
      tags: ['Events'],
      body: createEventBodySchema,
      responses: { 201: { description: 'the event; its inventory exists and is on sale from on_sale_at', schema: eventSchema, links: eventCreatedLinks } },
      errors: [404],
    },
    async ({ body }, _req, res) => {
      res.status(201).json(await createEventWithPricing(deps, body));
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
      summary: 'Seat availability of an event (at most 1 s old; every hold, release and sale is seen at once)',
      access: 'public',
      tags: ['Events'],
      params: idParams,
      query: seatMapQuerySchema,
      responses: {
        200: {
          description:
            'sections with their seats (SEATED) or counts (GA). Carries an ETag (send it back as If-None-Match) and is gzip or br ' +
            'encoded when the client accepts it. A map is at most 1 s old: a sold or held seat is never shown AVAILABLE more than 1 s after ' +
            'its change was committed (usually a few milliseconds). X-Last-Event-Id names the last change the map contains: open the ' +
            'live stream with it (Last-Event-ID, or ?last_event_id=) to get every change after it.',
          schema: seatMapSchema,
          links: seatMapLinks,
        },
        304: { description: 'not modified: the map named by If-None-Match is still the current one' },
      },
      errors: [404],
    },
    async ({ params, query }, req, res) => {
      if (!isUuid(params.id)) throw eventNotFound(params.id);
      const map = await seatMaps.rendition(deps.pool, deps.redis, params.id, query);
      res.setHeader('ETag', map.etag);
      if (map.position) res.setHeader('X-Last-Event-Id', map.position);
      // Clients may keep it but must ask again (If-None-Match) before using it: it changes by the second.
      res.setHeader('Cache-Control', 'no-cache');
      res.setHeader('Vary', 'Accept-Encoding');
      if (req.fresh) {
        res.status(304).end();
        return;
      }
      // No Accept-Encoding means identity in practice (curl, scripts), whatever the RFC allows.
      const encoding = (req.get('accept-encoding') ? req.acceptsEncodings('br', 'gzip', 'identity') || 'identity' : 'identity') as Encoding;
      const body = await map.body(encoding);
      res.setHeader('Content-Type', 'application/json; charset=utf-8');
      if (encoding !== 'identity') res.setHeader('Content-Encoding', encoding);
      res.setHeader('Content-Length', body.length);
      res.end(body);
    },
  );

  defineRoute(
    ctx,
    {
      method: 'get',
      path: '/:id/stream',
      operationId: 'streamEventInventory',
      summary: 'Live seat, GA and price changes of an event (Server-Sent Events)',
      access: 'public',
      tags: ['Events'],
      params: idParams,
      query: streamQuerySchema,
      headers: streamHeadersSchema,
      responses: { 200: { description: STREAM_DESCRIPTION, schema: z.string(), contentType: 'text/event-stream' } },
      errors: [404],
    },
    async ({ params, query }, req, res) => {
      if (!deps.live) throw new AppError('UNAVAILABLE', 'live updates are not served here');
      if (!isUuid(params.id)) throw eventNotFound(params.id);
      const eventId = params.id.toLowerCase();
      await assertEventExists(deps.pool, eventId);
      const resumeFrom = req.get('last-event-id') ?? query.last_event_id ?? null;
      await deps.live.attach(eventId, res, resumeFrom, req.ip);
    },
  );

  return router;
}
