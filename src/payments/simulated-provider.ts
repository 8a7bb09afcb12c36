import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import {
  PaymentDeclinedError,
  PaymentTransientError,
  PayoutRefusedError,
  type ChargeRequest,
  type ChargeResolution,
  type PaymentProvider,
  type PayoutResolution,
} from './provider';

/**
 * The built-in simulated provider of the API contract:
 *   pm_card_visa         succeeds
 *   pm_card_declined     is declined
 *   pm_card_error        fails transiently twice per idempotency key, then succeeds
 *   pm_card_slow         takes 3 s, then succeeds
 *   pm_card_unreachable  the processor cannot be reached: every charge attempt fails transiently
 * Any other method is declined as unknown. Payouts (to a resale's seller) always go through.
 *
 * Like a real processor it keeps a ledger (in Redis, so several worker processes see one provider):
 * the first outcome of an idempotency key is final, a retried charge answers it again, and resolving
 * a key that never charged closes it, so a charge request still on its way can no longer succeed.
 */
export function createSimulatedProvider(redis: Redis, options: { slowMs?: number } = {}): PaymentProvider {
  const slowMs = options.slowMs ?? 3000;
  const ledger = simulatedLedger(redis);

  async function decide(request: ChargeRequest): Promise<ChargeResolution> {
    switch (request.paymentMethodId) {
      case 'pm_card_visa':
        break;
      case 'pm_card_slow':
        await new Promise((resolve) => setTimeout(resolve, slowMs));
        break;
      case 'pm_card_error': {
        const key = `simpay:attempts:${request.idempotencyKey}`;
        const [[, attempt] = [null, 0]] = ((await redis.multi().incr(key).expire(key, LEDGER_TTL_SECONDS).exec()) ?? []) as Array<[Error | null, number]>;
        if (Number(attempt) <= 2) throw new PaymentTransientError(`simulated processor error (attempt ${attempt})`);
        break;
      }
      case 'pm_card_unreachable':
        throw new PaymentTransientError('simulated processor unreachable');
      case 'pm_card_declined':
        return { status: 'DECLINED', declineCode: 'card_declined' };
      default:
        return { status: 'DECLINED', declineCode: 'unknown_payment_method' };
    }
    return { status: 'SUCCEEDED', providerPaymentId: `sim_${digest(request.idempotencyKey)}` };
  }

  return {
    async charge(request) {
      const known = await ledger.outcome(request.idempotencyKey);
      const outcome = known ?? (await ledger.settle(request.idempotencyKey, await decide(request)));
      return answer(outcome);
    },
    async resolve(idempotencyKey) {
      return ledger.settle(idempotencyKey, { status: 'VOIDED' });
    },
    async refund(request) {
      await redis.set(`simpay:refund:${request.providerPaymentId}`, String(request.amountCents), 'EX', LEDGER_TTL_SECONDS, 'NX');
    },
    async payout(request) {
      const outcome = await ledger.settlePayout(request.idempotencyKey, {
        status: 'PAID',
        providerPayoutId: `simpo_${digest(request.idempotencyKey)}`,
        amountCents: request.amountCents,
        destination: request.destination,
      });
      if (outcome.status !== 'PAID') throw new PayoutRefusedError(request.idempotencyKey);
      return { providerPayoutId: outcome.providerPayoutId };
    },
    async resolvePayout(idempotencyKey) {
      const outcome = await ledger.settlePayout(idempotencyKey, { status: 'VOIDED' });
      return outcome.status === 'PAID' ? { status: 'PAID', providerPayoutId: outcome.providerPayoutId } : { status: 'VOIDED' };
    },
  };
}

/** A payout as the simulated processor's books keep it: to whom and how much, besides the outcome. */
export type SimulatedPayout = (PayoutResolution & { status: 'PAID'; amountCents: number; destination: string }) | { status: 'VOIDED' };

const LEDGER_TTL_SECONDS = 7 * 86_400;
const chargeKey = (idempotencyKey: string): string => `simpay:charge:${idempotencyKey}`;
const payoutKey = (idempotencyKey: string): string => `simpay:payout:${idempotencyKey}`;

/** The simulated processor's books, readable by tests ("was this buyer charged, and how often?"). */
export function simulatedLedger(redis: Redis) {
  return {
    async outcome(idempotencyKey: string): Promise<ChargeResolution | null> {
      const raw = await redis.get(chargeKey(idempotencyKey));
      return raw ? (JSON.parse(raw) as ChargeResolution) : null;
    },
    /** The first outcome recorded for a key wins; later ones get it back. */
    async settle(idempotencyKey: string, outcome: ChargeResolution): Promise<ChargeResolution> {
      const stored = await redis.set(chargeKey(idempotencyKey), JSON.stringify(outcome), 'EX', LEDGER_TTL_SECONDS, 'NX');
      if (stored) return outcome;
      return (await this.outcome(idempotencyKey)) ?? outcome;
    },
    /** Every captured charge whose key starts with `prefix` (charge keys start with the reservation id). */
    async capturedCharges(prefix: string): Promise<Array<{ idempotencyKey: string; providerPaymentId: string }>> {
      const keys: string[] = [];
      let cursor = '0';
      do {
        const [next, batch] = await redis.scan(cursor, 'MATCH', `${chargeKey(prefix)}*`, 'COUNT', 500);
        cursor = next;
        keys.push(...batch);
      } while (cursor !== '0');
      const captured = [];
      for (const key of keys) {
        const outcome = await this.outcome(key.slice(chargeKey('').length));
        if (outcome?.status === 'SUCCEEDED') captured.push({ idempotencyKey: key.slice(chargeKey('').length), providerPaymentId: outcome.providerPaymentId });
      }
      return captured;
    },
    async refunded(providerPaymentId: string): Promise<boolean> {
      return (await redis.exists(`simpay:refund:${providerPaymentId}`)) === 1;
    },
    /** The amount refunded on a provider payment, or null if it was not refunded. */
    async refundedAmount(providerPaymentId: string): Promise<number | null> {
      const raw = await redis.get(`simpay:refund:${providerPaymentId}`);
      return raw === null ? null : Number(raw);
    },
    /** The first outcome recorded for a payout key wins; later ones get it back. */
    async settlePayout(idempotencyKey: string, outcome: SimulatedPayout): Promise<SimulatedPayout> {
      const stored = await redis.set(payoutKey(idempotencyKey), JSON.stringify(outcome), 'EX', LEDGER_TTL_SECONDS, 'NX');
      if (stored) return outcome;
      const raw = await redis.get(payoutKey(idempotencyKey));
      return raw ? (JSON.parse(raw) as SimulatedPayout) : outcome;
    },
    /**
     * Captured charges and paid payouts of many subjects at once, in one pass over the books: by the first
     * segment of their key (a reservation's or a listing's id).
     */
    async booksOf(subjects: ReadonlySet<string>): Promise<Map<string, { charges: number; payouts: number; payoutCents: number }>> {
      const books = new Map([...subjects].map((id) => [id, { charges: 0, payouts: 0, payoutCents: 0 }]));
      for (const kind of ['charge', 'payout'] as const) {
        const keys: string[] = [];
        let cursor = '0';
        do {
          const [next, batch] = await redis.scan(cursor, 'MATCH', `simpay:${kind}:*`, 'COUNT', 1000);
          cursor = next;
          keys.push(...batch.filter((key) => subjects.has(key.slice(`simpay:${kind}:`.length).split(':')[0] ?? '')));
        } while (cursor !== '0');
        const values = keys.length ? await redis.mget(keys) : [];
        keys.forEach((key, i) => {
          const outcome = values[i] ? (JSON.parse(values[i]!) as ChargeResolution | SimulatedPayout) : null;
          const book = books.get(key.slice(`simpay:${kind}:`.length).split(':')[0] ?? '');
          if (!book || !outcome) return;
          if (kind === 'charge' && outcome.status === 'SUCCEEDED') book.charges += 1;
          if (kind === 'payout' && outcome.status === 'PAID') {
            book.payouts += 1;
            book.payoutCents += (outcome as { amountCents: number }).amountCents;
          }
        });
      }
      return books;
    },
    /** Every payout made with a key starting with `prefix` (payout keys start with the listing id). */
    async paidPayouts(prefix: string): Promise<Array<{ idempotencyKey: string; amountCents: number; destination: string }>> {
      const keys: string[] = [];
      let cursor = '0';
      do {
        const [next, batch] = await redis.scan(cursor, 'MATCH', `${payoutKey(prefix)}*`, 'COUNT', 500);
        cursor = next;
        keys.push(...batch);
      } while (cursor !== '0');
      const paid = [];
      for (const key of keys) {
        const raw = await redis.get(key);
        const outcome = raw ? (JSON.parse(raw) as SimulatedPayout) : null;
        if (outcome?.status === 'PAID') paid.push({ idempotencyKey: key.slice(payoutKey('').length), amountCents: outcome.amountCents, destination: outcome.destination });
      }
      return paid;
    },
  };
}

function answer(outcome: ChargeResolution): { providerPaymentId: string } {
  if (outcome.status === 'SUCCEEDED') return { providerPaymentId: outcome.providerPaymentId };
  throw new PaymentDeclinedError(outcome.status === 'DECLINED' ? outcome.declineCode : 'charge_voided');
}

function digest(value: string): string {
  return createHash('sha256').update(value).digest('hex').slice(0, 24);
}
