import type { OpenAPIRegistry, RouteConfig } from '@asteasolutions/zod-to-openapi';
import type { NextFunction, Request, Response, Router } from 'express';
import type { Redis } from 'ioredis';
import type { ZodTypeAny, z } from 'zod';
import { errorSchema } from '../openapi/common-schemas';
import { authenticate, type AccessRule } from '../middleware/authenticate';
import { validationError } from '../middleware/error-handler';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface RouteSpec<B extends ZodTypeAny, Q extends ZodTypeAny, P extends ZodTypeAny> {
  method: Method;
  /** Express path relative to the mount point, e.g. '/:id/seats'. */
  path: string;
  summary: string;
  access: AccessRule;
  tags: string[];
  body?: B;
  query?: Q;
  params?: P;
  headers?: ZodTypeAny;
  /** Success responses; the contract's error responses are added from `errors`. */
  responses: Record<number, { description: string; schema?: ZodTypeAny }>;
  errors?: number[];
}

export interface Parsed<B extends ZodTypeAny, Q extends ZodTypeAny, P extends ZodTypeAny> {
  body: z.infer<B>;
  query: z.infer<Q>;
  params: z.infer<P>;
}

export interface RouteContext {
  router: Router;
  registry: OpenAPIRegistry;
  redis: Redis;
  /** Where the router is mounted, for the OpenAPI path. */
  basePath: string;
}

/**
 * Declares a route once: the same zod schemas validate the request here and describe it in
 * /openapi.json, so the document cannot drift from what the server accepts.
 */
export function defineRoute<B extends ZodTypeAny, Q extends ZodTypeAny, P extends ZodTypeAny>(
  ctx: RouteContext,
  spec: RouteSpec<B, Q, P>,
  handler: (input: Parsed<B, Q, P>, req: Request, res: Response) => Promise<void>,
): void {
  register(ctx, spec);
  ctx.router[spec.method](spec.path, authenticate(ctx.redis, spec.access), (req: Request, res: Response, next: NextFunction) => {
    const input = {} as Parsed<B, Q, P>;
    for (const part of ['params', 'query', 'body'] as const) {
      const schema = spec[part];
      if (!schema) continue;
      const result = schema.safeParse(part === 'body' ? (req.body ?? {}) : req[part]);
      if (!result.success) return next(validationError(result.error, part === 'body' ? undefined : part));
      input[part] = result.data;
    }
    handler(input, req, res).catch(next);
  });
}

function register(ctx: RouteContext, spec: RouteSpec<ZodTypeAny, ZodTypeAny, ZodTypeAny>): void {
  const responses: RouteConfig['responses'] = {};
  for (const [status, { description, schema }] of Object.entries(spec.responses)) {
    responses[status] = schema ? { description, content: { 'application/json': { schema } } } : { description };
  }
  const errorStatuses = new Set([400, 503, ...(spec.access === 'public' ? [] : [401]), ...(spec.access === 'admin' ? [403] : []), ...(spec.errors ?? [])]);
  for (const status of errorStatuses) {
    responses[String(status)] = { description: 'error', content: { 'application/json': { schema: errorSchema } } };
  }
  ctx.registry.registerPath({
    method: spec.method,
    path: `${ctx.basePath}${spec.path}`.replace(/:([A-Za-z_]+)/g, '{$1}').replace(/\/$/, '') || '/',
    summary: spec.summary,
    tags: spec.tags,
    security: spec.access === 'public' ? [] : [{ bearerAuth: [] }],
    request: {
      ...(spec.params ? { params: spec.params as never } : {}),
      ...(spec.query ? { query: spec.query as never } : {}),
      ...(spec.headers ? { headers: spec.headers as never } : {}),
      ...(spec.body ? { body: { content: { 'application/json': { schema: spec.body } } } } : {}),
    },
    responses,
  });
}
