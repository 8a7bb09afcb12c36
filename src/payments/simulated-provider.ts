import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { PaymentDeclinedError, PaymentTransientError, type ChargeRequest, type PaymentProvider } from './provider';

/**
 * The built-in simulated provider of the API contract:
 *   pm_card_visa      succeeds
 *   pm_card_declined  is declined
 *   pm_card_error     fails transiently twice per idempotency key, then succeeds
 *   pm_card_slow      takes 3 s, then succeeds
 * Any other method is declined as unknown. Attempt counts live in Redis so that several worker
 * processes retrying the same charge see one provider.
 */
export function createSimulatedProvider(redis: Redis, options: { slowMs?: number } = {}): PaymentProvider {
  const slowMs = options.slowMs ?? 3000;
  return {
    async charge(request: ChargeRequest) {
      switch (request.paymentMethodId) {
        case 'pm_card_visa':
          break;
        case 'pm_card_slow':
          await new Promise((resolve) => setTimeout(resolve, slowMs));
          break;
        case 'pm_card_error': {
          const key = `simpay:attempts:${request.idempotencyKey}`;
          const attempt = await redis.incr(key);
          await redis.expire(key, 3600);
          if (attempt <= 2) throw new PaymentTransientError(`simulated processor error (attempt ${attempt})`);
          break;
        }
        case 'pm_card_declined':
          throw new PaymentDeclinedError('card_declined');
        default:
          throw new PaymentDeclinedError('unknown_payment_method');
      }
      return { providerPaymentId: `sim_${digest(request.idempotencyKey)}` };
    },
    async refund() {
      // The simulated processor keeps no balances; the refund is recorded by the caller.
    },
  };
}

function digest(value: string): string {
  return createHash('sha256').update(value).digest('hex').slice(0, 24);
}
