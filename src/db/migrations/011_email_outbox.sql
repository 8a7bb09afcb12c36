-- Tickets by email (contract v1.1): the emails an action owes a fan, written in the action's own
-- transaction, so an action that commits always has its email and one that rolls back has none. One
-- row per (kind, business id): the same email is never owed twice, whatever retries the action takes.
-- The row keeps what the email says (data), as it was when the action committed; delivery reads it,
-- sends through SMTP and marks it SENT (docs/email.md).
CREATE TABLE email_outbox (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  kind            text NOT NULL CHECK (kind IN (
                    'ORDER_CONFIRMED', 'TRANSFER_SENT', 'TRANSFER_RECEIVED', 'RESALE_SOLD', 'RESALE_BOUGHT',
                    'ORDER_REFUNDED', 'EVENT_CANCELLED')),
  business_id     text NOT NULL,
  recipient_email text NOT NULL,
  recipient_name  text NOT NULL,
  data            jsonb NOT NULL,
  -- FAILED: the SMTP server refused the recipient for good (a 5xx answer to RCPT TO); never retried.
  status          text NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING', 'SENT', 'FAILED')),
  attempts        int NOT NULL DEFAULT 0,
  last_error      text,
  -- The SMTP server's answer to the message that was accepted.
  smtp_response   text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  sent_at         timestamptz,
  UNIQUE (kind, business_id),
  CHECK ((status = 'SENT') = (sent_at IS NOT NULL))
);

-- The sweep's look for emails whose delivery never started.
CREATE INDEX email_outbox_pending_idx ON email_outbox (created_at) WHERE status = 'PENDING';
