-- Money that is exact under retries, duplicate deliveries and unknown outcomes. Each rule below is
-- also enforced in the code; these are the last line of defence if the code were wrong.

-- A charge whose outcome is unknown stays PENDING until it is resolved by its idempotency key:
-- SUCCEEDED or DECLINED, or VOIDED (the provider closed the key: it never charged and never will).
-- A refund is REFUNDING from the moment it is decided (so a sale can no longer use the payment) until
-- the provider confirms it (REFUNDED).
ALTER TABLE payments DROP CONSTRAINT payments_status_check;
ALTER TABLE payments ADD CONSTRAINT payments_status_check
  CHECK (status IN ('PENDING', 'SUCCEEDED', 'DECLINED', 'VOIDED', 'REFUNDING', 'REFUNDED'));
ALTER TABLE payments ADD COLUMN source text NOT NULL DEFAULT 'CHARGE' CHECK (source IN ('CHARGE', 'WEBHOOK'));
ALTER TABLE payments ADD COLUMN refunded_at timestamptz;
UPDATE payments SET source = 'WEBHOOK' WHERE idempotency_key LIKE 'webhook:%';

-- At most one charge in flight per reservation: a new attempt waits until the previous one is resolved.
CREATE UNIQUE INDEX payments_one_pending_per_reservation ON payments (reservation_id) WHERE status = 'PENDING';

-- One payment pays for at most one order.
CREATE UNIQUE INDEX orders_payment_key ON orders (payment_id);

-- An order is paid by a captured payment of its own reservation.
CREATE FUNCTION orders_require_captured_payment() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM payments p
                  WHERE p.id = NEW.payment_id AND p.reservation_id = NEW.reservation_id AND p.status = 'SUCCEEDED') THEN
    RAISE EXCEPTION 'order for reservation % needs a captured payment of that reservation (payment %)', NEW.reservation_id, NEW.payment_id
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER orders_payment_captured BEFORE INSERT ON orders
  FOR EACH ROW EXECUTE FUNCTION orders_require_captured_payment();

-- A payment that a confirmed order references is never given back except by refunding that order
-- (the order leaves CONFIRMED in the same transaction).
CREATE FUNCTION payments_keep_sold_money() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.status IN ('REFUNDING', 'REFUNDED', 'VOIDED') AND NEW.status IS DISTINCT FROM OLD.status
     AND EXISTS (SELECT 1 FROM orders o WHERE o.payment_id = NEW.id AND o.status = 'CONFIRMED') THEN
    RAISE EXCEPTION 'payment % pays for a confirmed order; refund the order instead', NEW.id
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER payments_sold_money_stays BEFORE UPDATE OF status ON payments
  FOR EACH ROW EXECUTE FUNCTION payments_keep_sold_money();

-- Every provider notification, deduplicated by the provider's payment id and the reported status:
-- a webhook delivered five times is handed to the workflow once.
CREATE TABLE payment_notifications (
  provider_payment_id text        NOT NULL,
  status              text        NOT NULL CHECK (status IN ('succeeded', 'failed')),
  reservation_id      uuid        NOT NULL REFERENCES reservations (id),
  amount_cents        int         NOT NULL CHECK (amount_cents >= 0),
  deliveries          int         NOT NULL DEFAULT 1 CHECK (deliveries > 0),
  first_received_at   timestamptz NOT NULL DEFAULT now(),
  last_received_at    timestamptz NOT NULL DEFAULT now(),
  handed_off_at       timestamptz,
  PRIMARY KEY (provider_payment_id, status)
);
CREATE INDEX payment_notifications_reservation_idx ON payment_notifications (reservation_id);

-- The request an idempotency key was first used with, so the same key with another body is refused.
ALTER TABLE reservations ADD COLUMN request_hash text;
