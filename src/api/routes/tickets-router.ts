import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { Router } from 'express';
import { qrCodeSvg } from '../../tickets/qr-svg';
import type { ApiDeps } from '../deps';
import { currentUser } from '../middleware/authenticate';
import { idParams } from '../openapi/common-schemas';
import {
  ticketListQuery,
  ticketListSchema,
  ticketSchema,
  transferTicketBody,
  validateTicketBody,
  validateTicketResponse,
} from '../openapi/order-schemas';
import { z } from '../openapi/registry';
import { getTicket, listMyTickets, transferMyTicket, validateTicket } from '../services/tickets-service';
import { defineRoute } from './define-route';
import { idOr404 } from './path-ids';

const TAGS = ['Orders and tickets'];
const notActive = {
  status: 409,
  description: 'ALREADY_USED, TICKET_CANCELLED (its order was refunded) or TICKET_TRANSFERRED (only the new code opens the door)',
};
const notAdmitted = {
  status: 409,
  description: `${notActive.description}; WRONG_EVENT (with event_id, the ticket's event) when the door's event_id is another event`,
};

export function createTicketsRouter(deps: ApiDeps, registry: OpenAPIRegistry, basePath: string): Router {
  const router = Router();
  const ctx = { router, registry, redis: deps.redis, basePath };

  defineRoute(
    ctx,
    {
      method: 'get', path: '/', operationId: 'listTickets', access: 'user', tags: TAGS,
      summary: 'The tickets the caller holds or held (bought, received by transfer), newest first',
      query: ticketListQuery, responses: { 200: { description: 'the tickets', schema: ticketListSchema } },
    },
    async ({ query }, _req, res) => {
      res.json({ tickets: await listMyTickets(deps, currentUser(res.locals), query.limit) });
    },
  );

  defineRoute(
    ctx,
    {
      method: 'post', path: '/validate', operationId: 'validateTicket', access: 'scanner', tags: TAGS,
      // Door staff scan hundreds a minute, unthrottled; a scanner who keeps presenting codes that are
      // refused (forged, another event's, used) is stopped by the budget those refusals count against.
      rateLimit: 'none', refusalBudget: 'default',
      summary: 'Scan a code at the door (scanner or admin): admits an ACTIVE ticket once, even when two scanners read it at the same instant',
      body: validateTicketBody,
      responses: { 200: { description: 'admitted: the ticket is now USED', schema: validateTicketResponse } },
      errors: [{ status: 400, description: 'INVALID_SIGNATURE: forged, altered, truncated or signed by an unknown key; VALIDATION_ERROR: no qr_code, or a scanner without event_id' }, notAdmitted],
    },
    async ({ body }, _req, res) => {
      res.json({ valid: true, ticket: await validateTicket(deps, currentUser(res.locals), body.qr_code, body.event_id) });
    },
  );

  defineRoute(
    ctx,
    {
      method: 'get', path: '/:id', operationId: 'getTicket', access: 'user', tags: TAGS,
      summary: 'A ticket (its owner or an admin)', params: idParams, responses: { 200: { description: 'the ticket', schema: ticketSchema } }, errors: [404],
    },
    async ({ params }, _req, res) => {
      res.json(await getTicket(deps, currentUser(res.locals), idOr404(params.id, 'ticket')));
    },
  );

  defineRoute(
    ctx,
    {
      method: 'get', path: '/:id/qr.svg', operationId: 'getTicketQrCode', access: 'user', tags: TAGS,
      summary: "The ticket's QR code as an SVG image (its owner or an admin)",
      params: idParams,
      responses: { 200: { description: 'the QR code of qr_code', contentType: 'image/svg+xml', schema: z.string().openapi({ format: 'binary' }) } },
      errors: [404],
    },
    async ({ params }, _req, res) => {
      const ticket = await getTicket(deps, currentUser(res.locals), idOr404(params.id, 'ticket'));
      res.type('image/svg+xml').setHeader('Cache-Control', 'private, no-store');
      res.send(await qrCodeSvg(ticket.qr_code));
    },
  );

  defineRoute(
    ctx,
    {
      method: 'post', path: '/:id/transfer', operationId: 'transferTicket', access: 'user', tags: TAGS,
      summary: "Pass a ticket to another registered user: the old code stops working, the recipient gets a new ticket with a new code",
      params: idParams,
      body: transferTicketBody,
      responses: { 200: { description: "the recipient's new ticket", schema: ticketSchema } },
      errors: [{ status: 400, description: 'VALIDATION_ERROR: to_email is not a registered user, or is the owner' }, 404, notActive],
    },
    async ({ params, body }, _req, res) => {
      res.json(await transferMyTicket(deps, currentUser(res.locals), idOr404(params.id, 'ticket'), body.to_email));
    },
  );
  return router;
}
