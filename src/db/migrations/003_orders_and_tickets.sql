-- From payment to the door: signed tickets that are scanned once, passed on by transfer, and
-- cancelled by a refund that puts the seats back on sale.

-- A refund in progress: the inventory is back and the tickets are cancelled; the money is on its way.
ALTER TABLE orders DROP CONSTRAINT orders_status_check;
ALTER TABLE orders ADD CONSTRAINT orders_status_check CHECK (status IN ('CONFIRMED', 'REFUNDING', 'REFUNDED'));
ALTER TABLE orders ADD COLUMN refund_requested_at timestamptz;
ALTER TABLE orders ADD COLUMN refunded_at timestamptz;
ALTER TABLE orders ADD COLUMN refund_reason text;
ALTER TABLE orders ADD CONSTRAINT orders_refund_times CHECK (
  (status = 'CONFIRMED' AND refund_requested_at IS NULL AND refunded_at IS NULL)
  OR (status = 'REFUNDING' AND refund_requested_at IS NOT NULL AND refunded_at IS NULL)
  OR (status = 'REFUNDED' AND refund_requested_at IS NOT NULL AND refunded_at IS NOT NULL)
);
CREATE INDEX orders_user_created_idx ON orders (user_id, created_at DESC, id DESC);

ALTER TABLE tickets ADD COLUMN used_at timestamptz;
ALTER TABLE tickets ADD COLUMN used_by uuid REFERENCES users (id);
-- Deferred: a transfer marks the old ticket first (so the seat has one live ticket), then issues the new one.
ALTER TABLE tickets ADD COLUMN transferred_to uuid REFERENCES tickets (id) DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE tickets ADD COLUMN transferred_from uuid REFERENCES tickets (id);
ALTER TABLE tickets ADD COLUMN cancelled_at timestamptz;
ALTER TABLE tickets ADD CONSTRAINT tickets_status_facts CHECK (
  (status <> 'USED' OR used_at IS NOT NULL)
  AND (status <> 'TRANSFERRED' OR transferred_to IS NOT NULL)
  AND (status <> 'CANCELLED' OR cancelled_at IS NOT NULL)
);
-- A code opens one ticket.
CREATE UNIQUE INDEX tickets_qr_code_key ON tickets (qr_code);
CREATE INDEX tickets_owner_idx ON tickets (owner_id, created_at DESC);
-- One live ticket per GA place too would need a place number; for GA the order's count is the bound,
-- kept by the sale and the refund, and checked by reconciliation.

-- Append-only history of every ticket: issued, scanned, transferred, cancelled; who and when.
CREATE TABLE ticket_events (
  id         bigserial PRIMARY KEY,
  ticket_id  uuid NOT NULL REFERENCES tickets (id),
  action     text NOT NULL CHECK (action IN ('ISSUED', 'USED', 'SCAN_REFUSED', 'TRANSFERRED_OUT', 'TRANSFERRED_IN', 'CANCELLED')),
  actor      text NOT NULL,
  detail     text,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX ticket_events_ticket_idx ON ticket_events (ticket_id, created_at);
CREATE FUNCTION refuse_history_edits() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END $$;
CREATE TRIGGER ticket_events_no_update BEFORE UPDATE OR DELETE ON ticket_events
  FOR EACH ROW EXECUTE FUNCTION refuse_history_edits();

-- A refund gives sold inventory back: recorded in the inventory's own log.
ALTER TABLE inventory_audit_log DROP CONSTRAINT inventory_audit_log_action_check;
ALTER TABLE inventory_audit_log ADD CONSTRAINT inventory_audit_log_action_check
  CHECK (action IN ('HOLD', 'EXTEND', 'RELEASE', 'SELL', 'RECLAIM_EXPIRED', 'REFUND'));
