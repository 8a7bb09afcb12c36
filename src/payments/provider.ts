/** The edge to a card processor. The product ships a simulated one; a real one implements the same. */
export interface ChargeRequest {
  amountCents: number;
  paymentMethodId: string;
  /** Same key, same outcome: the provider never charges a key twice. */
  idempotencyKey: string;
}

export interface PaymentProvider {
  /** Resolves with the provider's payment id; rejects with PaymentDeclinedError or a transient error. */
  charge(request: ChargeRequest): Promise<{ providerPaymentId: string }>;
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
