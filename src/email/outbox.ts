import type { Queryable } from '../db/transaction';
import { noteEnqueued } from './delivery-scope';
import type { EmailKind, EmailRequest, OutboxKey, Recipient } from './email-kinds';

export type OutboxStatus = 'PENDING' | 'SENT' | 'FAILED';

export interface OutboxEmail extends OutboxKey {
  id: string;
  to: Recipient;
  data: unknown;
  status: OutboxStatus;
  attempts: number;
  createdAt: string;
}

/**
 * Owes a fan an email, inside the caller's transaction: the email exists if and only if the action
 * commits. Once per (kind, business id): a second call for the same key changes nothing and returns
 * false. Delivery starts after the commit (email-starter.ts) or, failing that, at the next sweep.
 */
export async function enqueueEmail(db: Queryable, request: EmailRequest): Promise<boolean> {
  const { rowCount } = await db.query(
    `INSERT INTO email_outbox (kind, business_id, recipient_email, recipient_name, data)
     VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (kind, business_id) DO NOTHING`,
    [request.kind, request.businessId, request.to.email, request.to.name, JSON.stringify(request.data)],
  );
  const inserted = rowCount === 1;
  if (inserted) noteEnqueued({ kind: request.kind, businessId: request.businessId });
  return inserted;
}

interface OutboxRow {
  id: string;
  kind: EmailKind;
  business_id: string;
  recipient_email: string;
  recipient_name: string;
  data: unknown;
  status: OutboxStatus;
  attempts: number;
  created_at: Date;
}

export async function loadOutboxEmail(db: Queryable, key: OutboxKey): Promise<OutboxEmail | null> {
  const { rows } = await db.query<OutboxRow>(
    `SELECT id, kind, business_id, recipient_email, recipient_name, data, status, attempts, created_at
       FROM email_outbox WHERE kind = $1 AND business_id = $2`,
    [key.kind, key.businessId],
  );
  const row = rows[0];
  if (!row) return null;
  return {
    id: row.id,
    kind: row.kind,
    businessId: row.business_id,
    to: { email: row.recipient_email, name: row.recipient_name },
    data: row.data,
    status: row.status,
    attempts: row.attempts,
    createdAt: row.created_at.toISOString(),
  };
}

/** The server took the message: the email is never sent again. False if it was no longer PENDING. */
export async function markEmailSent(db: Queryable, key: OutboxKey, smtpResponse: string): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE email_outbox SET status = 'SENT', sent_at = now(), attempts = attempts + 1, smtp_response = $3, last_error = NULL
      WHERE kind = $1 AND business_id = $2 AND status = 'PENDING'`,
    [key.kind, key.businessId, smtpResponse.slice(0, 500)],
  );
  return rowCount === 1;
}

/** An attempt that did not send: counted, with what went wrong; `forGood` ends the row FAILED. */
export async function recordFailedAttempt(db: Queryable, key: OutboxKey, error: string, forGood: boolean): Promise<void> {
  await db.query(
    `UPDATE email_outbox SET attempts = attempts + 1, last_error = $3, status = CASE WHEN $4 THEN 'FAILED' ELSE status END
      WHERE kind = $1 AND business_id = $2 AND status = 'PENDING'`,
    [key.kind, key.businessId, error.slice(0, 500), forGood],
  );
}

/** Where a look through the PENDING emails got to: the last one seen, in (created_at, id) order. */
export interface PendingCursor {
  createdAt: string;
  id: string;
}

/** Emails still PENDING that were enqueued at least `olderThanSeconds` ago, oldest first, after `cursor`. */
export async function pendingEmails(
  db: Queryable,
  options: { olderThanSeconds: number; limit: number; cursor?: PendingCursor | null },
): Promise<Array<OutboxKey & PendingCursor>> {
  // The time as PostgreSQL's text, to the microsecond: a JavaScript Date would cut it to the millisecond.
  const { rows } = await db.query<{ id: string; kind: EmailKind; business_id: string; created_at: string }>(
    `SELECT id, kind, business_id, created_at::text AS created_at FROM email_outbox
      WHERE status = 'PENDING' AND created_at <= now() - make_interval(secs => $1)
        AND ($3::timestamptz IS NULL OR (created_at, id) > ($3::timestamptz, $4::uuid))
      ORDER BY created_at, id LIMIT $2`,
    [options.olderThanSeconds, options.limit, options.cursor?.createdAt ?? null, options.cursor?.id ?? null],
  );
  return rows.map((r) => ({ id: r.id, kind: r.kind, businessId: r.business_id, createdAt: r.created_at }));
}
