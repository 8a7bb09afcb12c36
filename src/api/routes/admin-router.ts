import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { Router } from 'express';
import type { ApiDeps } from '../deps';
import { idParams } from '../openapi/common-schemas';
import { eventStatsSchema } from '../openapi/event-schemas';
import { AppError } from '../../domain/errors';
import { userSchema } from '../openapi/auth-schemas';
import { setRoleBody, userLookupQuery } from '../openapi/order-schemas';
import { getEventStats } from '../services/event-stats';
import { refreshSessions } from '../services/sessions';
import { findUserByEmail, setUserRole } from '../services/users-service';
import { idOr404 } from './path-ids';
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

  defineRoute(
    ctx,
    {
      method: 'get', path: '/users', operationId: 'findUser', access: 'admin', tags: ['Admin'],
      summary: 'Find a user by email (to grant a role)', query: userLookupQuery,
      responses: { 200: { description: 'the user', schema: userSchema } }, errors: [404],
    },
    async ({ query }, _req, res) => {
      const user = await findUserByEmail(deps.pool, query.email);
      if (!user) throw new AppError('NOT_FOUND', 'no user has this email');
      res.json(user);
    },
  );

  defineRoute(
    ctx,
    {
      method: 'put', path: '/users/:id/role', operationId: 'setUserRole', access: 'admin', tags: ['Admin'],
      summary: "Grant or withdraw a role: `scanner` may validate tickets and do nothing else; takes effect on the user's open sessions at once",
      params: idParams, body: setRoleBody,
      responses: { 200: { description: 'the user with the new role', schema: userSchema } }, errors: [404],
    },
    async ({ params, body }, _req, res) => {
      const user = await setUserRole(deps.pool, idOr404(params.id, 'user'), body.role);
      await refreshSessions(deps.redis, user);
      res.json(user);
    },
  );

  return router;
}
