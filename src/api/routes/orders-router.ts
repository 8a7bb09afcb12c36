import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { Router } from 'express';
import type { ApiDeps } from '../deps';
import { currentUser } from '../middleware/authenticate';
import { idParams } from '../openapi/common-schemas';
import { orderListQuery, orderListSchema, orderSchema } from '../openapi/order-schemas';
import { getOrder, listMyOrders, refundOrder } from '../services/orders-service';
import { defineRoute } from './define-route';
import { idOr404 } from './path-ids';

export function createOrdersRouter(deps: ApiDeps, registry: OpenAPIRegistry, basePath: string): Router {
  const router = Router();
  const ctx = { router, registry, redis: deps.redis, basePath };
  const order = { description: 'the order with its tickets', schema: orderSchema };

  defineRoute(
    ctx,
    {
      method: 'get', path: '/', operationId: 'listOrders', access: 'user', tags: ['Orders and tickets'],
      summary: "The caller's orders, newest first, a page at a time",
      query: orderListQuery, responses: { 200: { description: 'a page of orders', schema: orderListSchema } },
    },
    async ({ query }, _req, res) => {
      res.json(await listMyOrders(deps, currentUser(res.locals), query));
    },
  );

  defineRoute(
    ctx,
    {
      method: 'get', path: '/:id', operationId: 'getOrder', access: 'user', tags: ['Orders and tickets'],
      summary: 'An order with its tickets (the buyer or an admin)', params: idParams, responses: { 200: order }, errors: [404],
    },
    async ({ params }, _req, res) => {
      res.json(await getOrder(deps, currentUser(res.locals), idOr404(params.id, 'order')));
    },
  );

  defineRoute(
    ctx,
    {
      method: 'post', path: '/:id/refund', operationId: 'refundOrder', access: 'admin', tags: ['Orders and tickets'],
      summary: 'Refund an order: its tickets stop working, its seats and GA places are on sale again, the money goes back',
      params: idParams,
      responses: {
        200: { description: 'REFUNDED (a second refund answers the refunded order)', schema: orderSchema },
        202: { description: 'REFUNDING: tickets cancelled and inventory back; the provider has not confirmed the refund yet, it completes by itself', schema: orderSchema },
      },
      errors: [404, { status: 409, description: 'REFUND_NOT_POSSIBLE: the order was never paid in full; an operator must look' }],
    },
    async ({ params }, _req, res) => {
      const { status, order: refunded } = await refundOrder(deps, currentUser(res.locals), idOr404(params.id, 'order'));
      res.status(status).json(refunded);
    },
  );
  return router;
}
