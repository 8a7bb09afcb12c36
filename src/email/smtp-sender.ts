import { createTransport } from 'nodemailer';
import type { MailSettings } from './mail-settings';

export interface OutgoingEmail {
  to: { name: string; address: string };
  subject: string;
  text: string;
  html: string;
  messageId: string;
  /** Inline images the HTML part shows by Content-ID. */
  inline: Array<{ cid: string; filename: string; content: Buffer; contentType: string }>;
}

export interface SmtpSender {
  /** Resolves with the server's answer once it has taken the message; rejects with nodemailer's error otherwise. */
  send(email: OutgoingEmail): Promise<string>;
  close(): void;
}

/**
 * Timeouts short enough that an attempt on a server that hangs fails and is retried, well inside the
 * activity's own deadline.
 */
const TIMEOUTS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 };

/** nodemailer over SMTP (one connection per message: the outbox sends few, and a pool would hold one idle). */
export function createSmtpSender(settings: MailSettings): SmtpSender {
  const transport = createTransport(typeof settings.smtp === 'string' ? { url: settings.smtp, ...TIMEOUTS } : { ...settings.smtp, ...TIMEOUTS });
  return {
    async send(email) {
      const info = await transport.sendMail({
        from: settings.from,
        to: email.to,
        subject: email.subject,
        text: email.text,
        html: email.html,
        messageId: email.messageId,
        attachments: email.inline.map((a) => ({ cid: a.cid, filename: a.filename, content: a.content, contentType: a.contentType, contentDisposition: 'inline' as const })),
      });
      return info.response;
    },
    close: () => transport.close(),
  };
}
