import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { Router } from 'express';
import { verifyingSecrets } from '../../config';
import type { ApiDeps } from '../deps';
import { webhookBody } from '../openapi/reservation-schemas';
import { z } from '../openapi/registry';
import { acceptPaymentWebhook, assertSignature } from '../services/payment-webhook';
import { defineRoute } from './define-route';

export function createPaymentsRouter(deps: ApiDeps, registry: OpenAPIRegistry, basePath: string): Router {
  const router = Router();
  const ctx = { router, registry, redis: deps.redis, basePath };
  defineRoute(
    ctx,
    {
      method: 'post', path: '/webhook', operationId: 'receivePaymentWebhook', access: 'public', tags: ['Payments'],
      // The provider is never slowed by its own deliveries; forged ones count against the sender's address.
      rateLimit: 'none', refusalBudget: 'default',
      // The signature is checked before the body is even validated: unsigned input is not looked at.
      precheck: (req) =>
        assertSignature(
          verifyingSecrets(deps.config.PAYMENT_WEBHOOK_SECRET, deps.config.PAYMENT_WEBHOOK_SECRET_PREVIOUS),
          (req as unknown as { rawBody?: Buffer }).rawBody,
          req.header('x-signature'),
        ),
      summary: 'Payment provider callback, signed with X-Signature (hex HMAC-SHA256 of the raw body)',
      headers: z.object({ 'x-signature': z.string() }),
      body: webhookBody,
      responses: { 202: { description: 'accepted', schema: z.object({ accepted: z.literal(true) }) } },
      errors: [401, 404],
    },
    async ({ body }, _req, res) => {
      await acceptPaymentWebhook(deps, body);
      res.status(202).json({ accepted: true });
    },
  );
  return router;
}
