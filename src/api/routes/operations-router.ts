import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { Router } from 'express';
import { checkHealth } from '../../operations/health-checks';
import type { ApiDeps } from '../deps';
import { renderMetrics } from '../metrics';
import { z } from '../openapi/registry';
import { defineRoute } from './define-route';

const healthSchema = z
  .object({
    status: z.enum(['ok', 'degraded']),
    checks: z.array(z.object({ name: z.string(), status: z.enum(['ok', 'down']), latency_ms: z.number() })),
  })
  .openapi('Health');

export function createOperationsRouter(deps: ApiDeps, registry: OpenAPIRegistry): Router {
  const router = Router();
  const ctx = { router, registry, redis: deps.redis, basePath: '' };

  defineRoute(
    ctx,
    {
      method: 'get', path: '/health', operationId: 'getHealth', summary: 'PostgreSQL, Redis and Temporal, each checked now', access: 'public', tags: ['Operations'], rateLimit: 'none',
      responses: { 200: { description: 'all dependencies answer', schema: healthSchema }, 503: { description: 'a dependency is down', schema: healthSchema } },
    },
    async (_input, _req, res) => {
      const health = await checkHealth(deps);
      res.status(health.status === 'ok' ? 200 : 503).json(health);
    },
  );

  defineRoute(
    ctx,
    { method: 'get', path: '/metrics', operationId: 'getMetrics', summary: 'Prometheus metrics', access: 'public', tags: ['Operations'], rateLimit: 'none', responses: { 200: { description: 'Prometheus text format' } } },
    async (_input, _req, res) => {
      res.type(deps.metrics.registry.contentType).send(await renderMetrics(deps.metrics, deps.redis));
    },
  );
  return router;
}
