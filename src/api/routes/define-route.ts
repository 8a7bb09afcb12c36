import type { OpenAPIRegistry, RouteConfig } from '@asteasolutions/zod-to-openapi';
import type { NextFunction, Request, Response, Router } from 'express';
import type { Redis } from 'ioredis';
import type { ZodTypeAny, z } from 'zod';
import { AppError } from '../../domain/errors';
import { errorSchema } from '../openapi/common-schemas';
import { authenticate, type AccessRule } from '../middleware/authenticate';
import { validationError } from '../middleware/error-handler';
import type { RateLimitFamily, RateLimits } from '../../shared/rate-limits';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

/**
 * An OpenAPI link: how a value of this answer feeds another operation, so generic clients can walk
 * the flows (create a venue, then its event, then a reservation, then confirm it).
 * Values are runtime expressions such as '$response.body#/id'.
 */
export interface RouteLink {
  operationId: string;
  description: string;
  parameters?: Record<string, string>;
  /** Fields of the target's body; expressions may sit at any depth (e.g. inside a list of prices). */
  requestBody?: Record<string, unknown>;
}

export interface RouteResponse {
  description: string;
  schema?: ZodTypeAny;
  /** application/json unless said otherwise (an image, say). */
  contentType?: string;
  links?: Record<string, RouteLink>;
}

/** An error status the route can answer, with the codes it means there when more needs saying. */
export type RouteError = number | { status: number; description: string };

export interface RouteSpec<B extends ZodTypeAny, Q extends ZodTypeAny, P extends ZodTypeAny> {
  method: Method;
  /** Express path relative to the mount point, e.g. '/:id/seats'. */
  path: string;
  /** Unique across the API; links name their target operation by it. */
  operationId: string;
  summary: string;
  access: AccessRule;
  tags: string[];
  body?: B;
  query?: Q;
  params?: P;
  headers?: ZodTypeAny;
  /** Success responses; the contract's error responses are added from `errors`. */
  responses: Record<number, RouteResponse>;
  errors?: RouteError[];
  /**
   * The request budget it counts against (default 'default'): per user when signed in, per account
   * for sign-in ('auth', the body's email), and per IP always. Every request counts, before its body
   * is looked at, so a refusal costs the caller as much as a success. 'none' for callers that must
   * not be slowed by their own traffic (health checks, provider webhooks, door scanners).
   */
  rateLimit?: RateLimitFamily | 'none';
  /**
   * With rateLimit 'none': the budget its refusals (4xx) count against, so a caller who keeps being
   * refused (forged signatures, codes that are not tickets) is stopped with 429 all the same.
   */
  refusalBudget?: RateLimitFamily;
  /**
   * A request over its budget that repeats one already answered (a hold's retry with its
   * X-Idempotency-Key) gets that answer again rather than 429: resolves true when it has answered.
   */
  replayWhenLimited?: (req: Request, res: Response) => Promise<boolean>;
  /** Checked after the budget and before the body is read: what unsigned input must not get past (the webhook's signature). */
  precheck?: (req: Request) => void;
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
  const precheck = spec.precheck;
  ctx.router[spec.method](
    spec.path,
    authenticate(ctx.redis, spec.access),
    countRequest(spec),
    ...(precheck ? [(req: Request, _res: Response, next: NextFunction) => runPrecheck(precheck, req, next)] : []),
    (req: Request, res: Response, next: NextFunction) => {
      // A body that could not be read (malformed JSON, too large) is refused here, once the request has been counted.
      if (res.locals.bodyError) return next(res.locals.bodyError);
      const input = {} as Parsed<B, Q, P>;
      for (const part of ['params', 'query', 'body'] as const) {
        const schema = spec[part];
        if (!schema) continue;
        const result = schema.safeParse(part === 'body' ? (req.body ?? {}) : part === 'query' ? withoutEmptyValues(req.query) : req[part]);
        if (!result.success) return next(validationError(result.error, part === 'body' ? undefined : part));
        input[part] = result.data;
      }
      handler(input, req, res).catch(next);
    },
    countRefusal(spec),
  );
}

function runPrecheck(precheck: (req: Request) => void, req: Request, next: NextFunction): void {
  try {
    precheck(req);
    next();
  } catch (err) {
    next(err);
  }
}

function subjectOf(req: Request, res: Response, family: RateLimitFamily) {
  const email = (req.body as { email?: unknown } | undefined)?.email;
  const account = family === 'auth' && typeof email === 'string' ? email : null;
  const userId = (res.locals.user as { id?: string } | undefined)?.id ?? null;
  return { ip: req.ip, userId, account };
}

/** Counts the request against its budget before anything else is done for it (even when it is invalid). */
function countRequest(spec: RouteSpec<ZodTypeAny, ZodTypeAny, ZodTypeAny>) {
  const family = spec.rateLimit ?? 'default';
  return (req: Request, res: Response, next: NextFunction): void => {
    const limits = res.locals.rateLimits as RateLimits | undefined;
    if (!limits || family === 'none') return next();
    res.locals.requestCounted = true;
    // Public reads (events, seat maps) stay available while Redis is down: nothing they do needs the
    // budget's protection as much as buyers need to see what is on sale. Everything else fails closed.
    const failOpen = spec.access === 'public' && spec.method === 'get';
    limits.consume(family, subjectOf(req, res, family)).then(
      () => next(),
      (err: unknown) => {
        if (failOpen && err instanceof AppError && err.code === 'UNAVAILABLE') return next();
        if (!spec.replayWhenLimited || !(err instanceof AppError && err.code === 'RATE_LIMITED')) return next(err);
        spec.replayWhenLimited(req, res).then(
          (answered) => (answered ? undefined : next(err)),
          () => next(err),
        );
      },
    );
  };
}

/**
 * A refusal the budget has not seen yet counts against it: one made before the request was counted
 * (no session, the wrong role) or by a route that counts only its refusals. Once that budget is spent
 * the caller is told 429 instead of why it was refused.
 */
function countRefusal(spec: RouteSpec<ZodTypeAny, ZodTypeAny, ZodTypeAny>) {
  const family = spec.rateLimit === 'none' ? spec.refusalBudget : (spec.rateLimit ?? 'default');
  return (err: unknown, req: Request, res: Response, next: NextFunction): void => {
    const limits = res.locals.rateLimits as RateLimits | undefined;
    const refusal = err instanceof AppError && err.status >= 400 && err.status < 500 && err.code !== 'RATE_LIMITED';
    if (!family || !limits || !refusal || res.locals.requestCounted) return next(err);
    limits.consume(family, subjectOf(req, res, family)).then(
      () => next(err),
      (limited: unknown) => next(limited instanceof AppError && limited.code === 'RATE_LIMITED' ? limited : err),
    );
  };
}

/** What each generic error status means, for the document; a route can say more (RouteError). */
const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'VALIDATION_ERROR: the request is not valid; details say which field and why',
  401: 'UNAUTHENTICATED: a valid bearer token is required',
  403: 'FORBIDDEN: the token does not allow this',
  404: 'NOT_FOUND (or EVENT_NOT_FOUND): unknown or malformed id',
  409: 'a conflict with the current state; the code says which',
  429: 'RATE_LIMITED: too many requests; retry after Retry-After seconds',
  503: 'UNAVAILABLE: a dependency is down or overloaded; nothing was changed; retry after Retry-After seconds',
};

/** `?q=&city=` (as the contract writes it) gives no q and no city: an empty value is not a value. */
function withoutEmptyValues(query: Request['query']): Record<string, unknown> {
  return Object.fromEntries(Object.entries(query).filter(([, value]) => value !== ''));
}

function register(ctx: RouteContext, spec: RouteSpec<ZodTypeAny, ZodTypeAny, ZodTypeAny>): void {
  const responses: RouteConfig['responses'] = {};
  for (const [status, { description, schema, links, contentType }] of Object.entries(spec.responses)) {
    responses[status] = {
      description,
      ...(schema ? { content: { [contentType ?? 'application/json']: { schema } } } : {}),
      ...(links ? { links } : {}),
    };
  }
  const limited = spec.rateLimit !== 'none' || spec.refusalBudget !== undefined;
  const generic: RouteError[] = [
    400,
    503,
    ...(spec.access === 'public' ? [] : [401]),
    ...(spec.access === 'public' || spec.access === 'session' ? [] : [403]),
    ...(limited ? [429] : []),
  ];
  for (const error of [...generic, ...(spec.errors ?? [])]) {
    const status = typeof error === 'number' ? error : error.status;
    const description = typeof error === 'number' ? (ERROR_DESCRIPTIONS[status] ?? 'error') : error.description;
    responses[String(status)] = { description, content: { 'application/json': { schema: errorSchema } } };
  }
  ctx.registry.registerPath({
    method: spec.method,
    path: `${ctx.basePath}${spec.path}`.replace(/:([A-Za-z_]+)/g, '{$1}').replace(/\/$/, '') || '/',
    operationId: spec.operationId,
    summary: spec.summary,
    tags: spec.tags,
    security: spec.access === 'public' ? [] : [{ bearerAuth: [] }],
    request: {
      ...(spec.params ? { params: spec.params as never } : {}),
      ...(spec.query ? { query: spec.query as never } : {}),
      ...(spec.headers ? { headers: spec.headers as never } : {}),
      // The handler validates a missing body as {}, which no body schema accepts: the body is required.
      ...(spec.body ? { body: { required: true, content: { 'application/json': { schema: spec.body } } } } : {}),
    },
    responses,
  });
}
