import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { Router } from 'express';
import { createVenue } from '../../venues/create-venue';
import { getVenue } from '../../venues/venue-view';
import type { ApiDeps } from '../deps';
import { idParams } from '../openapi/common-schemas';
import { venueCreatedLinks } from '../openapi/links';
import { createVenueBodySchema, venueSchema } from '../openapi/venue-schemas';
import { defineRoute } from './define-route';

/** Venues: admins create them; anyone may read them (no auth needed to browse). */
export function createVenuesRouter(deps: ApiDeps, registry: OpenAPIRegistry, basePath: string): Router {
  const router = Router();
  const ctx = { router, registry, redis: deps.redis, basePath };

  defineRoute(
    ctx,
    {
      method: 'post',
      path: '/',
      operationId: 'createVenue',
      summary: 'Create a venue with its sections',
      access: 'admin',
      tags: ['Venues'],
      body: createVenueBodySchema,
      responses: { 201: { description: 'the venue, with the ids of its sections', schema: venueSchema, links: venueCreatedLinks } },
    },
    async ({ body }, _req, res) => {
      res.status(201).json(await createVenue(deps.pool, body));
    },
  );

  defineRoute(
    ctx,
    {
      method: 'get',
      path: '/:id',
      operationId: 'getVenue',
      summary: 'Get a venue',
      access: 'public',
      tags: ['Venues'],
      params: idParams,
      responses: { 200: { description: 'the venue', schema: venueSchema } },
      errors: [404],
    },
    async ({ params }, _req, res) => {
      res.json(await getVenue(deps.pool, params.id));
    },
  );

  return router;
}
