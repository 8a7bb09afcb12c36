import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { Router } from 'express';
import { isUuid } from '../../db/uuid';
import { eventNotFound } from '../../events/event-lookup';
import type { ApiDeps } from '../deps';
import { currentUser } from '../middleware/authenticate';
import { idParams } from '../openapi/common-schemas';
import { idempotencyHeaders } from '../openapi/reservation-schemas';
import { createListingBody, eventListingsQuery, listingListSchema, listingSchema, purchaseListingBody, purchaseResponse } from '../openapi/resale-schemas';
import { createListing, getListing, listEventListings, purchaseListing, withdrawListing } from '../services/resale-service';
import { defineRoute } from './define-route';
import { idOr404 } from './path-ids';
import { idempotencyKey } from './reservations-router';

const TAGS = ['Resale'];

/**
 * Resale at face value (contract v1.1): a ticket's owner lists it, buyers see an event's listings and
 * buy one, the seller (or an admin) withdraws it. Mounted at the API's root: its paths live under
 * tickets, events and resale.
 */
export function createResaleRouter(deps: ApiDeps, registry: OpenAPIRegistry, basePath: string): Router {
  const router = Router();
  const ctx = { router, registry, redis: deps.redis, basePath };
  const listing = { description: 'the listing', schema: listingSchema };

  defineRoute(
    ctx,
    {
      method: 'post', path: '/tickets/:id/resale', operationId: 'createListing', access: 'user', tags: TAGS,
      summary: "List a ticket for resale at or under the event's cap (its owner, or an admin for them); it stays valid at the door until sold",
      params: idParams, body: createListingBody,
      responses: { 201: { description: 'LISTED; it expires by itself when the event starts', schema: listingSchema } },
      errors: [
        404,
        {
          status: 409,
          description:
            'RESALE_NOT_ALLOWED (the event does not allow resale, has started or was cancelled), TICKET_NOT_ACTIVE (used, transferred, resold or refunded), ALREADY_LISTED',
        },
        { status: 422, description: 'PRICE_ABOVE_CAP, with max_price_cents: the most this ticket may be listed for' },
      ],
    },
    async ({ params, body }, _req, res) => {
      res.status(201).json(await createListing(deps, currentUser(res.locals), idOr404(params.id, 'ticket'), body.price_cents));
    },
  );

  defineRoute(
    ctx,
    {
      method: 'get', path: '/events/:id/resale', operationId: 'listEventListings', access: 'public', tags: TAGS,
      summary: "An event's tickets for resale (LISTED), cheapest first",
      params: idParams, query: eventListingsQuery,
      responses: { 200: { description: 'the listings', schema: listingListSchema } },
      errors: [404],
    },
    async ({ params, query }, _req, res) => {
      if (!isUuid(params.id)) throw eventNotFound(params.id);
      res.json({ listings: await listEventListings(deps, params.id.toLowerCase(), query.section_id ?? null, query.limit) });
    },
  );

  defineRoute(
    ctx,
    {
      method: 'get', path: '/resale/:id', operationId: 'getListing', access: 'user', tags: TAGS,
      summary: 'A listing: anyone may see a LISTED one; a closed one only its seller, its buyer or an admin',
      params: idParams, responses: { 200: listing }, errors: [404],
    },
    async ({ params }, _req, res) => {
      res.json(await getListing(deps, currentUser(res.locals), idOr404(params.id, 'listing')));
    },
  );

  defineRoute(
    ctx,
    {
      method: 'delete', path: '/resale/:id', operationId: 'withdrawListing', access: 'user', tags: TAGS,
      summary: 'Withdraw a listing (its seller or an admin); withdrawing it again answers it as it is',
      params: idParams, responses: { 200: { description: 'WITHDRAWN', schema: listingSchema } },
      errors: [404, { status: 409, description: 'LISTING_UNAVAILABLE: it was sold or has expired' }],
    },
    async ({ params }, _req, res) => {
      res.json(await withdrawListing(deps, currentUser(res.locals), idOr404(params.id, 'listing')));
    },
  );

  defineRoute(
    ctx,
    {
      method: 'post', path: '/resale/:id/purchase', operationId: 'purchaseListing', access: 'user', tags: TAGS, rateLimit: 'checkout',
      summary: 'Buy a listing: the buyer is charged price_cents once and gets a new ticket; the seller\'s ticket becomes RESOLD',
      params: idParams, body: purchaseListingBody, headers: idempotencyHeaders,
      responses: { 200: { description: 'SOLD, with the buyer\'s new ticket (its buyer asking again gets the same answer)', schema: purchaseResponse } },
      errors: [
        { status: 402, description: 'PAYMENT_DECLINED: nothing was charged and the listing stays LISTED' },
        404,
        { status: 409, description: 'LISTING_UNAVAILABLE (sold, withdrawn or expired; another buyer got there first), OWN_LISTING' },
      ],
    },
    async ({ params, body }, req, res) => {
      res.json(await purchaseListing(deps, currentUser(res.locals), idOr404(params.id, 'listing'), body.payment_method_id, idempotencyKey(req)));
    },
  );
  return router;
}
