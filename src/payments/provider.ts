/** The edge to a card processor. The product ships a simulated one; a real one implements the same. */
export interface ChargeRequest {
  amountCents: number;
  paymentMethodId: string;
  /** Same key, same outcome: the provider never charges a key twice. */
  idempotencyKey: string;
}

/** What the provider knows of a charge key once it has been asked to settle it. */
export type ChargeResolution =
  | { status: 'SUCCEEDED'; providerPaymentId: string }
  | { status: 'DECLINED'; declineCode: string }
  /** The key never charged and is now closed: a request still on its way with it is refused. */
  | { status: 'VOIDED' };

export interface PayoutRequest {
  amountCents: number;
  /** Whom the money goes to (the platform's id of the seller; a real provider maps it to their account). */
  destination: string;
  /** Same key, same outcome: the provider never pays a key twice. */
  idempotencyKey: string;
}

/** What the provider knows of a payout key once it has been asked to settle it. */
export type PayoutResolution =
  | { status: 'PAID'; providerPayoutId: string }
  /** The key never paid and is now closed: a payout still on its way with it is refused. */
  | { status: 'VOIDED' };

export interface PaymentProvider {
  /** Resolves with the provider's payment id; rejects with PaymentDeclinedError or a transient error. */
  charge(request: ChargeRequest): Promise<{ providerPaymentId: string }>;
  /**
   * Settles a charge whose answer was lost (a timeout after the request was sent): the outcome if the
   * charge happened, otherwise the key is voided so that it never can. Idempotent. Rejects with a
   * transient error while the provider cannot be reached; the outcome then stays unknown.
   */
  resolve(idempotencyKey: string): Promise<ChargeResolution>;
  refund(request: { providerPaymentId: string; amountCents: number; idempotencyKey: string }): Promise<void>;
  /** Pays money out (a resale's seller); rejects with a transient error, or PayoutRefusedError for a closed key. */
  payout(request: PayoutRequest): Promise<{ providerPayoutId: string }>;
  /** Settles a payout whose answer was lost, as `resolve` does a charge: paid, or the key closed for good. */
  resolvePayout(idempotencyKey: string): Promise<PayoutResolution>;
}

/** The payout key was closed (settled as never paid) before this request reached the provider. */
export class PayoutRefusedError extends Error {
  constructor(readonly idempotencyKey: string) {
    super(`payout key ${idempotencyKey} is closed`);
    this.name = 'PayoutRefusedError';
  }
}

export class PaymentDeclinedError extends Error {
  constructor(readonly declineCode: string) {
    super(`payment declined: ${declineCode}`);
    this.name = 'PaymentDeclinedError';
  }
}

export class PaymentTransientError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PaymentTransientError';
  }
}
