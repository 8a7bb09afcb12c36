import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { Router } from 'express';
import { priceHistory } from '../../pricing/price-history';
import type { ApiDeps } from '../deps';
import { idParams } from '../openapi/common-schemas';
import { priceHistoryQuery, priceHistorySchema } from '../openapi/pricing-schemas';
import { defineRoute } from './define-route';

/** Operators' view of demand pricing (mounted under /admin: every route needs the admin role). */
export function createPricingRouter(deps: ApiDeps, registry: OpenAPIRegistry, basePath: string): Router {
  const router = Router();
  const ctx = { router, registry, redis: deps.redis, basePath };

  defineRoute(
    ctx,
    {
      method: 'get',
      path: '/events/:id/prices',
      operationId: 'getEventPriceHistory',
      summary: "Every price change of an event, with its time, old and new price and the figures it was computed from",
      access: 'admin',
      tags: ['Admin'],
      params: idParams,
      query: priceHistoryQuery,
      responses: { 200: { description: 'the event\'s pricing terms and its changes, oldest first', schema: priceHistorySchema } },
      errors: [404],
    },
    async ({ params, query }, _req, res) => {
      res.json(await priceHistory(deps.pool, params.id, query));
    },
  );

  return router;
}
