import type { Pool } from 'pg';
import { isPermanentRefusal, messageIdFor, type SmtpFailure } from '../domain/email-delivery';
import { qrCodePng } from '../tickets/qr-png';
import type { EmailDataByKind, EmailKind, OutboxKey } from './email-kinds';
import type { MailSettings } from './mail-settings';
import { loadOutboxEmail, markEmailSent, recordFailedAttempt } from './outbox';
import { renderEmail } from './render-email';
import type { SmtpSender } from './smtp-sender';

/**
 * SENT: this attempt sent it. ALREADY_SENT: an earlier one had. REFUSED: the server refused the
 * recipient for good (now or earlier): the row is FAILED and nothing retries. MISSING: no such row (the
 * action that would have owed it rolled back).
 */
export type SendOutcome = 'SENT' | 'ALREADY_SENT' | 'REFUSED' | 'MISSING';

/**
 * Sends the email an outbox row owes, once: a row already SENT (or FAILED) is not sent again. The
 * row is marked SENT after the server has taken the message; if that answer is lost (the connection
 * drops after the message was sent, the worker dies before the update), the next attempt sends it
 * again with the same Message-ID. That is the one way a fan may see a second copy: at least once
 * toward the SMTP server, recognisable as the same message.
 */
export async function sendOutboxEmail(pool: Pool, sender: SmtpSender, settings: MailSettings, key: OutboxKey): Promise<SendOutcome> {
  const row = await loadOutboxEmail(pool, key);
  if (!row) return 'MISSING';
  if (row.status === 'SENT') return 'ALREADY_SENT';
  if (row.status === 'FAILED') return 'REFUSED';
  const rendered = renderEmail(row.kind, row.to.name, row.data as EmailDataByKind[EmailKind], { timeZone: settings.timeZone });
  const inline = await Promise.all(
    rendered.qrCodes.map(async (qr) => ({ cid: qr.cid, filename: `ticket-${qr.ticketId}.png`, content: await qrCodePng(qr.code), contentType: 'image/png' })),
  );
  let response: string;
  try {
    response = await sender.send({
      to: { name: row.to.name, address: row.to.email },
      subject: rendered.subject,
      text: rendered.text,
      html: rendered.html,
      messageId: messageIdFor(key, settings.from),
      inline,
    });
  } catch (err) {
    const failure = smtpFailureOf(err);
    const forGood = isPermanentRefusal(failure);
    await recordFailedAttempt(pool, key, describeFailure(failure, err), forGood);
    if (forGood) return 'REFUSED';
    throw new Error(`SMTP attempt failed: ${describeFailure(failure, err)}`, { cause: err });
  }
  await markEmailSent(pool, key, response);
  return 'SENT';
}

function smtpFailureOf(err: unknown): SmtpFailure {
  if (typeof err !== 'object' || err === null) return {};
  const e = err as Record<string, unknown>;
  return {
    ...(typeof e.code === 'string' ? { code: e.code } : {}),
    ...(typeof e.responseCode === 'number' ? { responseCode: e.responseCode } : {}),
    ...(typeof e.command === 'string' ? { command: e.command } : {}),
  };
}

/** What went wrong, for the row and the activity's failure: the error's code and the server's answer, never the settings. */
function describeFailure(failure: SmtpFailure, err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return [failure.code, failure.responseCode, message].filter((part) => part !== undefined).join(' ').slice(0, 300);
}
