import compression from 'compression';
import express, { type Express } from 'express';
import type { Logger } from 'pino';
import type { ApiDeps } from './deps';
import { accessLogging } from './middleware/access-log';
import { errorHandler, notFoundRoute } from './middleware/error-handler';
import { methodTable } from './middleware/method-not-allowed';
import { requestId } from './middleware/request-id';
import { securityHeaders } from './middleware/security-headers';
import { timeRequests } from './metrics';
import { serveWebPage } from './web-page';
import { buildOpenApiDocument } from './openapi/document';
import { createRegistry } from './openapi/registry';
import { createAdminRouter } from './routes/admin-router';
import { createAuthRouter } from './routes/auth-router';
import { createEventsRouter } from './routes/events-router';
import { createOperationsRouter } from './routes/operations-router';
import { createOrdersRouter } from './routes/orders-router';
import { createPaymentsRouter } from './routes/payments-router';
import { createPricingRouter } from './routes/pricing-router';
import { createTicketsRouter } from './routes/tickets-router';
import { createQueueRouter } from './routes/queue-router';
import { createReservationsRouter } from './routes/reservations-router';
import { createResaleRouter } from './routes/resale-router';
import { createVenuesRouter } from './routes/venues-router';
import { createWaitlistRouter } from './routes/waitlist-router';

/**
 * The API. `log` receives unexpected errors (500s); `accessLog`, when given, gets one JSON line per
 * request (pino-http) with its request id.
 */
export function createApp(deps: ApiDeps, log: (line: string) => void = console.error, accessLog?: Logger): Express {
  const app = express();
  const registry = createRegistry();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.use(requestId);
  if (accessLog) app.use(accessLogging(accessLog));
  app.use(securityHeaders);
  app.use(timeRequests(deps.metrics));
  // gzip or br as the client accepts (1 KB and up); a response that is already encoded (the cached seat
  // map) or says no-transform (a live stream) passes through as it is.
  app.use(compression());
  // Every route declared with defineRoute counts against these (src/api/routes/define-route.ts).
  app.use((_req, res, next) => {
    res.locals.rateLimits = deps.rateLimits;
    next();
  });
  // The webhook's signature covers the raw bytes, so they are kept next to the parsed body. A body
  // that cannot be read is refused by its route (defineRoute), after the request has been counted
  // against its budget: malformed JSON costs a caller as much as any other refusal.
  const readJson = express.json({
    limit: deps.config.BODY_LIMIT,
    strict: true,
    verify: (req, _res, buf) => {
      (req as unknown as { rawBody: Buffer }).rawBody = buf;
    },
  });
  app.use((req, res, next) => {
    readJson(req, res, (err?: unknown) => {
      if (err === undefined) return next();
      res.locals.bodyError = err;
      req.body = undefined;
      next();
    });
  });

  const methods = methodTable();
  app.use(methods.answerOptions);

  const api = '/api/v1';
  app.use(`${api}/auth`, createAuthRouter(deps, registry, `${api}/auth`));
  app.use(`${api}/venues`, createVenuesRouter(deps, registry, `${api}/venues`));
  app.use(`${api}/events`, createEventsRouter(deps, registry, `${api}/events`));
  app.use(`${api}/events`, createWaitlistRouter(deps, registry, `${api}/events`));
  app.use(`${api}/reservations`, createReservationsRouter(deps, registry, `${api}/reservations`));
  app.use(`${api}/queue`, createQueueRouter(deps, registry, `${api}/queue`));
  app.use(`${api}/payments`, createPaymentsRouter(deps, registry, `${api}/payments`));
  app.use(`${api}/orders`, createOrdersRouter(deps, registry, `${api}/orders`));
  app.use(`${api}/tickets`, createTicketsRouter(deps, registry, `${api}/tickets`));
  app.use(`${api}/admin`, createAdminRouter(deps, registry, `${api}/admin`));
  app.use(`${api}/admin`, createPricingRouter(deps, registry, `${api}/admin`));
  app.use(api, createResaleRouter(deps, registry, api));
  app.use('/', createOperationsRouter(deps, registry));

  const document = buildOpenApiDocument(registry);
  app.get('/openapi.json', (_req, res) => {
    res.json(document);
  });
  methods.refuseUnsupportedMethods(app);
  // After every API route and the 405s: the page never answers for a path of the API.
  app.use(serveWebPage());
  app.use(notFoundRoute);
  app.use(errorHandler(log));
  return app;
}
