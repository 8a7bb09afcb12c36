/**
 * The rules of email delivery (docs/email.md): pure, bundled with the email workflows and unit tested
 * without a server.
 */
import type { EmailKind, OutboxKey } from '../email/email-kinds';

/**
 * An email is retried until it is sent: its fan is owed it, and an SMTP server that is down for hours
 * must not lose it. The first retries come quickly (a blip), then at most every five minutes.
 */
export const EMAIL_RETRY = { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '5m' } as const;

/** How long one attempt may take: connecting, the SMTP conversation, the outbox update. */
export const EMAIL_ATTEMPT_TIMEOUT = '2m';

/** The sweep leaves alone emails younger than this: their delivery was started after their commit. */
export const SWEEP_GRACE_SECONDS = 30;

/** The contract's kinds as they read in a workflow id or a Message-ID: ORDER_CONFIRMED → order-confirmed. */
export function kindSlug(kind: EmailKind): string {
  return kind.toLowerCase().replace(/_/g, '-');
}

/**
 * The Message-ID of the one email an outbox row owes, from its key: every copy of it carries the same
 * one, so a copy sent again after an SMTP answer was lost is recognisable (mail clients and providers
 * drop a second message with a Message-ID they already have).
 */
export function messageIdFor(key: OutboxKey, fromAddress: string): string {
  const domain = /@([A-Za-z0-9.-]+)>?\s*$/.exec(fromAddress)?.[1] ?? 'localhost';
  const id = key.businessId.replace(/[^A-Za-z0-9.-]/g, '.');
  return `<${kindSlug(key.kind)}.${id}@${domain}>`;
}

/** What an SMTP attempt failed with, as nodemailer reports it. */
export interface SmtpFailure {
  code?: string;
  responseCode?: number;
  command?: string;
}

/**
 * A refusal that no retry can change: the server answered the recipient with a permanent (5xx) code.
 * Everything else — no connection, a timeout, a 4xx, even a 5xx to the login or the message — may be
 * the server's or our configuration's passing state, and is retried.
 */
export function isPermanentRefusal(failure: SmtpFailure): boolean {
  const permanent = failure.responseCode !== undefined && failure.responseCode >= 500 && failure.responseCode < 600;
  return permanent && (failure.code === 'EENVELOPE' || failure.command === 'RCPT TO');
}
