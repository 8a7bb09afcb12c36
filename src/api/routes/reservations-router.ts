import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { Router, type Request, type Response } from 'express';
import { AppError } from '../../domain/errors';
import { createAdmissionLimit } from '../admission-limit';
import type { ApiDeps } from '../deps';
import { currentUser } from '../middleware/authenticate';
import { idParams } from '../openapi/common-schemas';
import { z } from '../openapi/registry';
import {
  IDEMPOTENCY_KEY_PATTERN,
  confirmBody,
  createReservationBody,
  idempotencyHeaders,
  reservationSchema,
} from '../openapi/reservation-schemas';
import {
  cancelReservation,
  confirmReservation,
  createReservation,
  extendReservation,
  getReservation,
  replayOfEarlierHold,
} from '../services/reservations-service';
import { reservationLinks } from '../openapi/links';
import { defineRoute, type RouteError } from './define-route';
import { idOr404 } from './path-ids';

const keyReused: RouteError = {
  status: 422,
  description: 'IDEMPOTENCY_KEY_REUSED: the same X-Idempotency-Key was used with a different request body',
};

export function createReservationsRouter(deps: ApiDeps, registry: OpenAPIRegistry, basePath: string): Router {
  const router = Router();
  const ctx = { router, registry, redis: deps.redis, basePath };
  const reservation = { description: 'the reservation', schema: reservationSchema };
  const holdAdmission = createAdmissionLimit({
    maxInFlight: deps.config.HOLD_MAX_IN_FLIGHT,
    maxQueue: deps.config.HOLD_QUEUE_MAX_LENGTH,
    maxWaitMs: deps.config.HOLD_QUEUE_MAX_WAIT_MS,
  });

  defineRoute(
    ctx,
    {
      method: 'post', path: '/', operationId: 'createReservation', access: 'user', tags: ['Reservations'], rateLimit: 'reserve',
      // Every request counts first, refusals included (a presale code guessed, a body invalid); a retry
      // of a hold already made is still answered over the budget: it holds nothing new.
      replayWhenLimited: (req, res) => answerRetry(deps, req, res),
      summary: 'Hold seats and/or GA tickets (all or nothing); answers with the hold made by the reservation workflow',
      body: createReservationBody,
      headers: idempotencyHeaders.extend({
        'x-queue-token': z.string().optional().openapi({
          description: 'required for high_demand events: the queue_token of an admission (GET /api/v1/queue/{event_id}/status) for this user and event, before its expires_at; otherwise 403 QUEUE_TOKEN_REQUIRED',
        }),
      }),
      responses: {
        201: { description: 'held', schema: reservationSchema, links: reservationLinks },
        200: { description: 'the reservation an earlier request with the same X-Idempotency-Key made', schema: reservationSchema, links: reservationLinks },
      },
      errors: [
        {
          status: 403,
          description:
            'QUEUE_TOKEN_REQUIRED: a high_demand event without a valid X-Queue-Token; QUEUE_TOKEN_USED: a reservation made with this token was confirmed (a token admits to one purchase); ' +
            'PRESALE_CODE_REQUIRED: a presale window is open and presale_code is missing or wrong',
        },
        404,
        {
          status: 409,
          description:
            'SEATS_UNAVAILABLE, INSUFFICIENT_INVENTORY; EVENT_NOT_ON_SALE (cancelled, or before on_sale_at of an event without presales); ' +
            'NOT_ON_SALE_YET (an event with presale windows, outside them and before on_sale_at; opens_at says when); ' +
            "PRESALE_LIMIT_EXCEEDED (the buyer's live holds and confirmed tickets plus this request exceed the window's max_tickets_per_user); " +
            'HOLD_ALREADY_OPEN (a hold made with this X-Queue-Token is still open; once it expires or is cancelled the token may be used again)',
        },
        429,
        keyReused,
      ],
      // 503 also when a hold waited HOLD_QUEUE_MAX_WAIT_MS for one of the HOLD_MAX_IN_FLIGHT slots (Retry-After: 1).
    },
    async ({ body }, req, res) => {
      const user = currentUser(res.locals);
      const key = idempotencyKey(req);
      const result = await holdAdmission.run(() =>
        createReservation(deps, user, body, key, req.header('x-queue-token') ?? null, res.locals.receivedAt as number | undefined),
      );
      deps.metrics.reservationOutcomes.inc({ outcome: result.created ? 'created' : 'replayed' });
      res.status(result.created ? 201 : 200).json(result.reservation);
    },
  );

  defineRoute(
    ctx,
    { method: 'get', path: '/:id', operationId: 'getReservation', summary: 'A reservation (owner or admin)', access: 'user', tags: ['Reservations'], params: idParams, responses: { 200: reservation }, errors: [404] },
    async ({ params }, _req, res) => {
      res.json(await getReservation(deps, currentUser(res.locals), reservationId(params.id)));
    },
  );

  defineRoute(
    ctx,
    {
      method: 'post', path: '/:id/confirm', operationId: 'confirmReservation', access: 'user', tags: ['Reservations'], rateLimit: 'checkout',
      summary: 'Pay for the hold; on success the reservation is CONFIRMED with its order and tickets',
      params: idParams, body: confirmBody, headers: idempotencyHeaders, responses: { 200: reservation }, errors: [402, 404, 409, keyReused],
    },
    async ({ params, body }, req, res) => {
      res.json(await confirmReservation(deps, currentUser(res.locals), reservationId(params.id), body.payment_method_id, idempotencyKey(req)));
    },
  );

  defineRoute(
    ctx,
    { method: 'post', path: '/:id/extend', operationId: 'extendReservation', summary: "Add the event's hold duration again", access: 'user', tags: ['Reservations'], params: idParams, responses: { 200: reservation }, errors: [404, 409] },
    async ({ params }, _req, res) => {
      res.json(await extendReservation(deps, currentUser(res.locals), reservationId(params.id)));
    },
  );

  defineRoute(
    ctx,
    {
      method: 'delete', path: '/:id', operationId: 'cancelReservation', summary: 'Cancel the hold and release its seats', access: 'user', tags: ['Reservations'], params: idParams,
      responses: { 200: { description: 'the reservation, CANCELLED, with seats_released and ga_released: what this cancellation gave back', schema: reservationSchema } },
      errors: [404, 409],
    },
    async ({ params }, _req, res) => {
      res.json(await cancelReservation(deps, currentUser(res.locals), reservationId(params.id)));
    },
  );
  return router;
}

/** Answers a hold's retry (same X-Idempotency-Key, same body) with the reservation it made; false when it is none. */
async function answerRetry(deps: ApiDeps, req: Request, res: Response): Promise<boolean> {
  const key = req.header('x-idempotency-key');
  const body = createReservationBody.safeParse(req.body ?? {});
  if (!key || !IDEMPOTENCY_KEY_PATTERN.test(key) || !body.success || res.locals.bodyError) return false;
  const earlier = await replayOfEarlierHold(deps, currentUser(res.locals), body.data, key);
  if (!earlier) return false;
  deps.metrics.reservationOutcomes.inc({ outcome: 'replayed' });
  res.status(200).json(earlier);
  return true;
}

function reservationId(raw: string): string {
  return idOr404(raw, 'reservation');
}

/** The request's X-Idempotency-Key, checked; null without one. */
export function idempotencyKey(req: Request): string | null {
  const key = req.header('x-idempotency-key');
  if (key === undefined) return null;
  if (!IDEMPOTENCY_KEY_PATTERN.test(key)) {
    throw new AppError('VALIDATION_ERROR', 'X-Idempotency-Key must be 1-200 printable characters', {
      details: [{ field: 'X-Idempotency-Key', message: 'must be 1-200 printable ASCII characters' }],
    });
  }
  return key;
}
