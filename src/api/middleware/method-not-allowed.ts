import type { Express, Request } from 'express';
import listEndpoints from 'express-list-endpoints';
import { AppError } from '../../domain/errors';

/** The order methods are listed in `Allow`, whatever order the routes were registered in. */
const METHOD_ORDER = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

/** The methods of the most specific patterns that matched so far (literal segments beat parameters). */
const allowedByRequest = new WeakMap<Request, { specificity: number; methods: Set<string> }>();

/** `/tickets/validate` is more specific than `/tickets/:id`: it names more of the path literally. */
function specificity(path: string): number {
  return path.split('/').filter((segment) => segment !== '' && !segment.startsWith(':')).length;
}

/**
 * Must be called once every route is registered: it reads them back from the app itself (so routes
 * added outside defineRoute count too) and answers a request that none of them took, on a path some
 * of them serve, with 405 METHOD_NOT_ALLOWED and `Allow`. Paths nobody serves go on to the 404.
 *
 * The catch-all routes are matched by Express itself, so a path matches here exactly when it would
 * match a real route with another method. A path can match several route patterns: the most
 * specific ones say what is allowed (`PUT /tickets/validate` allows POST, not the GET of
 * `/tickets/:id`), and the last middleware answers with their methods.
 */
export function answerUnsupportedMethods(app: Express): void {
  for (const { path, methods } of listEndpoints(app)) {
    // Express answers HEAD with the GET route, so a GET path allows HEAD too.
    const allowed = methods.includes('GET') ? [...methods, 'HEAD'] : methods;
    const rank = specificity(path);
    app.all(path, (req, _res, next) => {
      const seen = allowedByRequest.get(req);
      if (!seen || rank > seen.specificity) allowedByRequest.set(req, { specificity: rank, methods: new Set(allowed) });
      else if (rank === seen.specificity) for (const method of allowed) seen.methods.add(method);
      next();
    });
  }
  app.use((req, res, next) => {
    const allowed = allowedByRequest.get(req)?.methods;
    if (!allowed) return next();
    const list = [...allowed].sort((a, b) => METHOD_ORDER.indexOf(a) - METHOD_ORDER.indexOf(b));
    // OPTIONS asks what is allowed: the answer, not a refusal (Express answers it so inside routers).
    if (req.method === 'OPTIONS') {
      res.setHeader('Allow', list.join(', '));
      res.status(204).end();
      return;
    }
    next(new AppError('METHOD_NOT_ALLOWED', `${req.method} is not supported on ${req.path}; allowed: ${list.join(', ')}`, { allowed_methods: list }));
  });
}
