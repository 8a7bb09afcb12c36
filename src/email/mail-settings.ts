import type { Config } from '../config';

/** How the worker reaches an SMTP server, and what its emails say they come from. */
export interface MailSettings {
  /** An SMTP URL (smtp://user:pass@host:port, smtps:// for TLS from the start) or nodemailer's SMTP options. */
  smtp: string | { host: string; port: number; secure: boolean; auth?: { user: string; pass: string } };
  /** The From header, e.g. `Tickets <tickets@example.com>`. */
  from: string;
  /** Event times in emails are written in this zone. */
  timeZone: string;
}

export type MailConfig = Pick<Config, 'SMTP_URL' | 'SMTP_HOST' | 'SMTP_PORT' | 'SMTP_USER' | 'SMTP_PASSWORD' | 'SMTP_SECURE' | 'MAIL_FROM' | 'MAIL_TIME_ZONE'>;

/**
 * The SMTP server of the configuration, or null when none is set: emails then wait in the outbox,
 * nothing is started to deliver them, and they go out once a worker with SMTP settings sweeps.
 */
export function mailSettingsOf(config: MailConfig): MailSettings | null {
  const common = { from: config.MAIL_FROM, timeZone: config.MAIL_TIME_ZONE };
  if (config.SMTP_URL) return { smtp: config.SMTP_URL, ...common };
  if (!config.SMTP_HOST) return null;
  const auth = config.SMTP_USER ? { auth: { user: config.SMTP_USER, pass: config.SMTP_PASSWORD ?? '' } } : {};
  return { smtp: { host: config.SMTP_HOST, port: config.SMTP_PORT, secure: config.SMTP_SECURE, ...auth }, ...common };
}

/** Where emails go, for a log line: the host and port only, never a user or a password. */
export function describeSmtp(settings: MailSettings): string {
  if (typeof settings.smtp !== 'string') return `${settings.smtp.host}:${settings.smtp.port}`;
  try {
    const url = new URL(settings.smtp);
    return `${url.protocol}//${url.host}`;
  } catch {
    return '(an SMTP_URL that is not a URL)';
  }
}
