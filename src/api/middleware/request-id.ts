import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import { runWithRequestId } from '../../shared/request-context';

const ACCEPTABLE = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Echoes a well-formed client X-Request-Id (so a client can trace its call), otherwise makes one; the
 * rest of the request runs with it in context, so the workflows it reaches log it too.
 */
export const requestId: RequestHandler = (req, res, next) => {
  const given = req.header('x-request-id');
  const id = given && ACCEPTABLE.test(given) ? given : randomUUID();
  res.locals.requestId = id;
  // When the request arrived: what a hold's latency, as the buyer sees it, is measured from.
  res.locals.receivedAt = performance.now();
  res.setHeader('X-Request-Id', id);
  runWithRequestId(id, next);
};
