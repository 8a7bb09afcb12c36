import express, { type Express } from 'express';
import type { ApiDeps } from './deps';
import { errorHandler, notFoundRoute } from './middleware/error-handler';
import { answerUnsupportedMethods } from './middleware/method-not-allowed';
import { requestId } from './middleware/request-id';
import { securityHeaders } from './middleware/security-headers';
import { timeRequests } from './metrics';
import { buildOpenApiDocument } from './openapi/document';
import { createRegistry } from './openapi/registry';
import { createAdminRouter } from './routes/admin-router';
import { createAuthRouter } from './routes/auth-router';
import { createEventsRouter } from './routes/events-router';
import { createOperationsRouter } from './routes/operations-router';
import { createPaymentsRouter } from './routes/payments-router';
import { createQueueRouter } from './routes/queue-router';
import { createReservationsRouter } from './routes/reservations-router';
import { createVenuesRouter } from './routes/venues-router';

export function createApp(deps: ApiDeps, log: (line: string) => void = console.error): Express {
  const app = express();
  const registry = createRegistry();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.use(requestId);
  app.use(securityHeaders);
  app.use(timeRequests(deps.metrics));
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
  app.use(`${api}/reservations`, createReservationsRouter(deps, registry, `${api}/reservations`));
  app.use(`${api}/queue`, createQueueRouter(deps, registry, `${api}/queue`));
  app.use(`${api}/payments`, createPaymentsRouter(deps, registry, `${api}/payments`));
  app.use(`${api}/admin`, createAdminRouter(deps, registry, `${api}/admin`));
  app.use('/', createOperationsRouter(deps, registry));

  const document = buildOpenApiDocument(registry);
  app.get('/openapi.json', (_req, res) => {
    res.json(document);
  });
  answerUnsupportedMethods(app);
  app.use(notFoundRoute);
  app.use(errorHandler(log));
  return app;
}
