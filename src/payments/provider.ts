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
