import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { Router } from 'express';
import type { ApiDeps } from '../deps';
import { idParams } from '../openapi/common-schemas';
import { eventStatsSchema } from '../openapi/event-schemas';
import { getEventStats } from '../services/event-stats';
import { defineRoute } from './define-route';

/** Operator endpoints; every route here needs the admin role. */
export function createAdminRouter(deps: ApiDeps, registry: OpenAPIRegistry, basePath: string): Router {
  const router = Router();
  const ctx = { router, registry, redis: deps.redis, basePath };

  defineRoute(
    ctx,
    {
      method: 'get',
      path: '/events/:id/stats',
      operationId: 'getEventStats',
      summary: 'Inventory counts per section and reservations by status of an event',
      access: 'admin',
      tags: ['Admin'],
      params: idParams,
      responses: { 200: { description: 'the counts; holds past their deadline count as available', schema: eventStatsSchema } },
      errors: [404],
    },
    async ({ params }, _req, res) => {
      res.json(await getEventStats(deps.pool, params.id));
    },
  );

  return router;
}
