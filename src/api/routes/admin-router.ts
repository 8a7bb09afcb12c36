import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { Router } from 'express';
import type { ApiDeps } from '../deps';
import { idParams } from '../openapi/common-schemas';
import { eventStatsSchema } from '../openapi/event-schemas';
import { AppError } from '../../domain/errors';
import { getEventStats } from '../../events/event-stats';
import { userSchema } from '../openapi/auth-schemas';
import { setRoleBody, userLookupQuery } from '../openapi/order-schemas';
import { auditTrail } from '../../operations/audit-trail';
import { latestReport } from '../../operations/reconciliation-reports';
import { refreshSessions } from '../../users/sessions';
import { findUserByEmail, setUserRole } from '../../users/user-accounts';
import {
  auditQuery,
  auditTrailSchema,
  cancelEventBody,
  cancellationProgressSchema,
  reconciliationReportSchema,
  reconciliationStartedSchema,
  startReconciliationBody,
} from '../openapi/operations-schemas';
import { startReconciliation } from '../services/reconciliation-service';
import { currentUser } from '../middleware/authenticate';
import { cancelEvent, cancellationProgress } from '../services/event-cancellation-service';
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
      method: 'post', path: '/events/:id/cancel', operationId: 'cancelEvent', access: 'admin', tags: ['Admin'],
      summary: 'Cancel an event: new holds are refused at once, every hold is released and every order refunded (a workflow per event)',
      params: idParams, body: cancelEventBody,
      responses: { 202: { description: 'the cancellation runs; its progress (asking again starts nothing new)', schema: cancellationProgressSchema } },
      errors: [404],
    },
    async ({ params, body }, _req, res) => {
      res.status(202).json(await cancelEvent(deps, currentUser(res.locals), params.id, body.reason ?? 'cancelled by the organiser'));
    },
  );

  defineRoute(
    ctx,
    {
      method: 'get', path: '/events/:id/cancellation', operationId: 'getEventCancellation', access: 'admin', tags: ['Admin'],
      summary: "Where an event's cancellation stands", params: idParams,
      responses: { 200: { description: 'its progress', schema: cancellationProgressSchema } },
      errors: [{ status: 404, description: 'EVENT_NOT_FOUND, or NOT_FOUND: the event was never cancelled' }],
    },
    async ({ params }, _req, res) => {
      res.json(await cancellationProgress(deps, params.id));
    },
  );

  defineRoute(
    ctx,
    {
      method: 'post', path: '/reconciliation', operationId: 'startReconciliation', access: 'admin', tags: ['Admin'],
      summary: 'Run a reconciliation now (it also runs on a Temporal Schedule): checks that inventory and money add up; repairs nothing',
      body: startReconciliationBody,
      responses: { 202: { description: 'the run started; GET returns its report once done', schema: reconciliationStartedSchema } },
    },
    async ({ body }, _req, res) => {
      res.status(202).json(await startReconciliation(deps, String(res.locals.requestId), body.event_id ?? null));
    },
  );

  defineRoute(
    ctx,
    {
      method: 'get', path: '/reconciliation', operationId: 'getReconciliationReport', access: 'admin', tags: ['Admin'],
      summary: 'The latest reconciliation report: per check, what does not add up',
      responses: { 200: { description: 'the latest report', schema: reconciliationReportSchema } },
      errors: [{ status: 404, description: 'NOT_FOUND: no reconciliation has run yet' }],
    },
    async (_input, _req, res) => {
      const report = await latestReport(deps.pool);
      if (!report) throw new AppError('NOT_FOUND', 'no reconciliation has run yet');
      res.json(report);
    },
  );

  defineRoute(
    ctx,
    {
      method: 'get', path: '/audit', operationId: 'getAuditTrail', access: 'admin', tags: ['Admin'],
      summary: "The trail of a reservation, an order or a seat: every change with cause, actor and time, from the append-only logs",
      query: auditQuery,
      responses: { 200: { description: 'oldest first', schema: auditTrailSchema } },
    },
    async ({ query }, _req, res) => {
      const given = [query.reservation_id, query.order_id, query.seat_id].filter(Boolean);
      if (given.length !== 1) {
        throw new AppError('VALIDATION_ERROR', 'the request is not valid', {
          details: [{ field: 'query', message: 'give exactly one of reservation_id, order_id, seat_id' }],
        });
      }
      const subject = query.reservation_id ? { reservationId: query.reservation_id } : query.order_id ? { orderId: query.order_id } : { seatId: query.seat_id! };
      res.json({ entries: await auditTrail(deps.pool, subject) });
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
