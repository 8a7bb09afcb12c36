import { Router, type Express, type Request, type RequestHandler, type Response } from 'express';
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

export interface MethodTable {
  /**
   * Mounted before every router: OPTIONS is answered from the whole table. Left to Express, the first
   * router whose paths match answers it with every method of every pattern that matched there
   * (`OPTIONS /tickets/validate` would list the GET of `/tickets/:id`).
   */
  answerOptions: RequestHandler;
  /**
   * Called once every route is registered: reads them back from the app itself (so routes added
   * outside defineRoute count too) and answers a request that none of them took, on a path some of
   * them serve, with 405 METHOD_NOT_ALLOWED and `Allow`. Paths nobody serves go on to the 404.
   */
  refuseUnsupportedMethods(app: Express): void;
}

/**
 * The methods each path allows. The table is an Express router of its own holding every route's
 * pattern, so a path matches here exactly when it would match a real route with another method. A
 * path can match several patterns: the most specific ones say what is allowed (`PUT
 * /tickets/validate` allows POST, not the GET of `/tickets/:id`).
 */
export function methodTable(): MethodTable {
  const table = Router();
  const allowedMethods = (req: Request, res: Response): Promise<string[] | null> =>
    new Promise((resolve) => {
      allowedByRequest.delete(req);
      table(req, res, () => {
        const allowed = allowedByRequest.get(req)?.methods;
        resolve(allowed ? [...allowed].sort((a, b) => METHOD_ORDER.indexOf(a) - METHOD_ORDER.indexOf(b)) : null);
      });
    });
  return {
    answerOptions(req, res, next) {
      if (req.method !== 'OPTIONS') return next();
      allowedMethods(req, res).then((allowed) => {
        if (!allowed) return next();
        // OPTIONS asks what is allowed: the answer, not a refusal.
        res.setHeader('Allow', allowed.join(', '));
        res.status(204).end();
      }, next);
    },
    refuseUnsupportedMethods(app) {
      for (const { path, methods } of listEndpoints(app)) {
        // Express answers HEAD with the GET route, so a GET path allows HEAD too.
        const allowed = methods.includes('GET') ? [...methods, 'HEAD'] : methods;
        const rank = specificity(path);
        table.all(path, (req, _res, next) => {
          const seen = allowedByRequest.get(req);
          if (!seen || rank > seen.specificity) allowedByRequest.set(req, { specificity: rank, methods: new Set(allowed) });
          else if (rank === seen.specificity) for (const method of allowed) seen.methods.add(method);
          next();
        });
      }
      app.use((req, res, next) => {
        allowedMethods(req, res).then((allowed) => {
          if (!allowed) return next();
          next(new AppError('METHOD_NOT_ALLOWED', `${req.method} is not supported on ${req.path}; allowed: ${allowed.join(', ')}`, { allowed_methods: allowed }));
        }, next);
      });
    },
  };
}
