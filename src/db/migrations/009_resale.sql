-- Resale at face value (contract v1.1): an event's resale rules, listings (one durable workflow each),
-- the buyers' charges, the sellers' payouts, and the RESOLD ticket. The rules below are enforced in the
-- code too (src/resale); here they are the last line of defence.

ALTER TABLE events ADD COLUMN resale_allowed boolean NOT NULL DEFAULT true;
ALTER TABLE events ADD COLUMN resale_max_price_percent int NOT NULL DEFAULT 100 CHECK (resale_max_price_percent BETWEEN 0 AND 100);
ALTER TABLE events ADD COLUMN resale_fee_percent int NOT NULL DEFAULT 0 CHECK (resale_fee_percent BETWEEN 0 AND 20);

-- A ticket sold on resale stops opening the door (RESOLD) and names the buyer's new ticket, which
-- names it back; the new ticket keeps the place's number (migration 008).
ALTER TABLE tickets DROP CONSTRAINT tickets_status_check;
ALTER TABLE tickets ADD CONSTRAINT tickets_status_check CHECK (status IN ('ACTIVE', 'USED', 'CANCELLED', 'TRANSFERRED', 'RESOLD'));
ALTER TABLE tickets ADD COLUMN resold_to uuid REFERENCES tickets (id) DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE tickets ADD COLUMN resold_from uuid REFERENCES tickets (id);
ALTER TABLE tickets DROP CONSTRAINT tickets_status_facts;
ALTER TABLE tickets ADD CONSTRAINT tickets_status_facts CHECK (
  (status <> 'USED' OR used_at IS NOT NULL)
  AND (status <> 'TRANSFERRED' OR transferred_to IS NOT NULL)
  AND (status <> 'CANCELLED' OR cancelled_at IS NOT NULL)
  AND (status <> 'RESOLD' OR resold_to IS NOT NULL)
);
ALTER TABLE ticket_events DROP CONSTRAINT ticket_events_action_check;
ALTER TABLE ticket_events ADD CONSTRAINT ticket_events_action_check CHECK (
  action IN ('ISSUED', 'USED', 'SCAN_REFUSED', 'TRANSFERRED_OUT', 'TRANSFERRED_IN', 'CANCELLED', 'RESOLD_OUT', 'RESOLD_IN')
);

CREATE TABLE resale_listings (
  id                  uuid PRIMARY KEY,
  ticket_id           uuid NOT NULL REFERENCES tickets (id),
  order_id            uuid NOT NULL REFERENCES orders (id),
  event_id            uuid NOT NULL REFERENCES events (id),
  section_id          uuid NOT NULL REFERENCES sections (id),
  seat_id             uuid REFERENCES seats (id),
  place_number        int  NOT NULL CHECK (place_number > 0),
  seller_id           uuid NOT NULL REFERENCES users (id),
  -- What the place cost when it was first sold: the cap is a share of it, whoever resells it.
  face_value_cents    int  NOT NULL CHECK (face_value_cents >= 0),
  price_cents         int  NOT NULL CHECK (price_cents >= 0 AND price_cents <= face_value_cents),
  fee_cents           int  NOT NULL CHECK (fee_cents >= 0 AND fee_cents <= price_cents),
  seller_payout_cents int  GENERATED ALWAYS AS (price_cents - fee_cents) STORED,
  status              text NOT NULL DEFAULT 'LISTED' CHECK (status IN ('LISTED', 'SOLD', 'WITHDRAWN', 'EXPIRED')),
  listed_at           timestamptz NOT NULL DEFAULT now(),
  -- The event's start: the listing's own timer closes it then.
  expires_at          timestamptz NOT NULL,
  closed_at           timestamptz,
  -- Who or what closed it: SELLER, ADMIN, OPERATOR (the workflow cancelled), SCANNED, ORDER_REFUNDED, EVENT_CANCELLED, NOT_OPENED, SOLD, EXPIRED.
  close_reason        text,
  buyer_id            uuid REFERENCES users (id),
  purchase_id         uuid UNIQUE,
  new_ticket_id       uuid REFERENCES tickets (id),
  CHECK ((status = 'LISTED') = (closed_at IS NULL)),
  CHECK ((status = 'SOLD') = (buyer_id IS NOT NULL AND purchase_id IS NOT NULL AND new_ticket_id IS NOT NULL))
);
-- One open listing per ticket, and a ticket is sold at most once.
CREATE UNIQUE INDEX resale_listings_one_open_per_ticket ON resale_listings (ticket_id) WHERE status = 'LISTED';
CREATE UNIQUE INDEX resale_listings_one_sale_per_ticket ON resale_listings (ticket_id) WHERE status = 'SOLD';
CREATE INDEX resale_listings_open_by_price ON resale_listings (event_id, price_cents, listed_at, id) WHERE status = 'LISTED';
CREATE INDEX resale_listings_order_idx ON resale_listings (order_id, status);
CREATE INDEX resale_listings_seller_idx ON resale_listings (seller_id, listed_at DESC);

-- A buyer's charge for a listing: the same life as a reservation's payment (migration 002), keyed by
-- the listing, the buyer and the attempt.
CREATE TABLE resale_purchases (
  id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  listing_id          uuid NOT NULL REFERENCES resale_listings (id),
  buyer_id            uuid NOT NULL REFERENCES users (id),
  idempotency_key     text NOT NULL UNIQUE,
  payment_method_id   text,
  amount_cents        int  NOT NULL CHECK (amount_cents >= 0),
  status              text NOT NULL CHECK (status IN ('PENDING', 'SUCCEEDED', 'DECLINED', 'VOIDED', 'REFUNDING', 'REFUNDED')),
  provider_payment_id text UNIQUE,
  failure_code        text,
  created_at          timestamptz NOT NULL DEFAULT now(),
  updated_at          timestamptz NOT NULL DEFAULT now(),
  refunded_at         timestamptz
);
-- At most one charge of a listing in flight: a second buyer waits for the first charge's outcome.
CREATE UNIQUE INDEX resale_purchases_one_pending_per_listing ON resale_purchases (listing_id) WHERE status = 'PENDING';
CREATE INDEX resale_purchases_listing_idx ON resale_purchases (listing_id);
ALTER TABLE resale_listings ADD CONSTRAINT resale_listings_purchase_fkey FOREIGN KEY (purchase_id) REFERENCES resale_purchases (id);

-- A listing is SOLD by a captured charge of its own buyer for it.
CREATE FUNCTION resale_listings_sold_with_captured_charge() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.status = 'SOLD' AND OLD.status IS DISTINCT FROM 'SOLD'
     AND NOT EXISTS (SELECT 1 FROM resale_purchases p
                      WHERE p.id = NEW.purchase_id AND p.listing_id = NEW.id AND p.buyer_id = NEW.buyer_id AND p.status = 'SUCCEEDED') THEN
    RAISE EXCEPTION 'listing % needs a captured charge of its buyer (purchase %)', NEW.id, NEW.purchase_id
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER resale_listings_sold_by_captured_charge BEFORE UPDATE OF status ON resale_listings
  FOR EACH ROW EXECUTE FUNCTION resale_listings_sold_with_captured_charge();

-- Money that bought a place on resale goes back only with the refund of that place's order.
CREATE FUNCTION resale_purchases_keep_sold_money() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.status IN ('REFUNDING', 'REFUNDED', 'VOIDED') AND NEW.status IS DISTINCT FROM OLD.status
     AND EXISTS (SELECT 1 FROM resale_listings l JOIN orders o ON o.id = l.order_id
                  WHERE l.purchase_id = NEW.id AND l.status = 'SOLD' AND o.status = 'CONFIRMED') THEN
    RAISE EXCEPTION 'purchase % pays for a resold place of a confirmed order; refund the order instead', NEW.id
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER resale_purchases_sold_money_stays BEFORE UPDATE OF status ON resale_purchases
  FOR EACH ROW EXECUTE FUNCTION resale_purchases_keep_sold_money();

-- What a sold listing pays its seller. A payout whose answer was lost stays PENDING until it is settled
-- by its key: PAID, or VOIDED (the provider closed the key; the next attempt has a new one).
CREATE TABLE resale_payouts (
  id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  listing_id         uuid NOT NULL REFERENCES resale_listings (id),
  seller_id          uuid NOT NULL REFERENCES users (id),
  idempotency_key    text NOT NULL UNIQUE,
  amount_cents       int  NOT NULL CHECK (amount_cents >= 0),
  status             text NOT NULL CHECK (status IN ('PENDING', 'PAID', 'VOIDED')),
  provider_payout_id text UNIQUE,
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now(),
  paid_at            timestamptz,
  CHECK ((status = 'PAID') = (provider_payout_id IS NOT NULL AND paid_at IS NOT NULL))
);
-- One payout per sale: at most one attempt in flight or paid.
CREATE UNIQUE INDEX resale_payouts_one_per_listing ON resale_payouts (listing_id) WHERE status IN ('PENDING', 'PAID');

-- The part of an order's payment that stays a sale when the order is refunded: the face value of the
-- places its buyer sold on resale (their money goes back to whoever bought them last).
ALTER TABLE payments ADD COLUMN kept_cents int NOT NULL DEFAULT 0;
ALTER TABLE payments ADD CONSTRAINT payments_kept_within_amount CHECK (kept_cents >= 0 AND kept_cents <= amount_cents);
