import compression from 'compression';
import express, { type Express } from 'express';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import type { ApiDeps } from './deps';
import { errorHandler, notFoundRoute } from './middleware/error-handler';
import { answerUnsupportedMethods } from './middleware/method-not-allowed';
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
  if (accessLog) {
    app.use(
      pinoHttp({
        logger: accessLog,
        genReqId: (_req, res) => String((res as unknown as { locals: Record<string, unknown> }).locals.requestId),
        customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
        // Paths carry ids (reservation, order); bodies are never logged.
        serializers: { req: (req: { id: unknown; method: string; url: string }) => ({ id: req.id, method: req.method, url: req.url }) },
      }),
    );
  }
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
  // The webhook's signature covers the raw bytes, so they are kept next to the parsed body.
  app.use(
    express.json({
      limit: deps.config.BODY_LIMIT,
      strict: true,
      verify: (req, _res, buf) => {
        (req as unknown as { rawBody: Buffer }).rawBody = buf;
      },
    }),
  );

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
  app.use(api, createResaleRouter(deps, registry, api));
  app.use('/', createOperationsRouter(deps, registry));

  const document = buildOpenApiDocument(registry);
  app.get('/openapi.json', (_req, res) => {
    res.json(document);
  });
  answerUnsupportedMethods(app);
  // After every API route and the 405s: the page never answers for a path of the API.
  app.use(serveWebPage());
  app.use(notFoundRoute);
  app.use(errorHandler(log));
  return app;
}
