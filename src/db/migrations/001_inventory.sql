-- Inventory schema. PostgreSQL is the source of truth; the constraints below are the last line of
-- defence against overselling, whatever the application code does.

CREATE TABLE users (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  email         text NOT NULL,
  name          text NOT NULL,
  password_hash text NOT NULL,
  role          text NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'admin', 'scanner')),
  created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email_key ON users (lower(email));

CREATE TABLE venues (
  id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name       text NOT NULL,
  city       text NOT NULL,
  address    text,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE sections (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  venue_id      uuid NOT NULL REFERENCES venues (id) ON DELETE CASCADE,
  name          text NOT NULL,
  kind          text NOT NULL CHECK (kind IN ('SEATED', 'GA')),
  position      int  NOT NULL,
  rows          int,
  seats_per_row int,
  capacity      int,
  UNIQUE (venue_id, name),
  CHECK (
    (kind = 'SEATED' AND rows > 0 AND seats_per_row > 0 AND capacity IS NULL)
    OR (kind = 'GA' AND capacity > 0 AND rows IS NULL AND seats_per_row IS NULL)
  )
);

CREATE TABLE events (
  id                    uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  venue_id              uuid NOT NULL REFERENCES venues (id),
  name                  text NOT NULL,
  category              text,
  artist                text,
  starts_at             timestamptz NOT NULL,
  on_sale_at            timestamptz NOT NULL DEFAULT now(),
  status                text NOT NULL DEFAULT 'SCHEDULED' CHECK (status IN ('SCHEDULED', 'CANCELLED')),
  hold_duration_seconds int  NOT NULL DEFAULT 600 CHECK (hold_duration_seconds BETWEEN 1 AND 1800),
  max_hold_extensions   int  NOT NULL DEFAULT 1 CHECK (max_hold_extensions BETWEEN 0 AND 10),
  max_tickets_per_order int  NOT NULL DEFAULT 6 CHECK (max_tickets_per_order BETWEEN 1 AND 100),
  high_demand           boolean NOT NULL DEFAULT false,
  created_at            timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX events_starts_at_idx ON events (starts_at, id);

CREATE TABLE event_prices (
  event_id    uuid NOT NULL REFERENCES events (id) ON DELETE CASCADE,
  section_id  uuid NOT NULL REFERENCES sections (id),
  price_cents int  NOT NULL CHECK (price_cents >= 0),
  PRIMARY KEY (event_id, section_id)
);

CREATE TABLE reservations (
  id                    uuid PRIMARY KEY,
  event_id              uuid NOT NULL REFERENCES events (id),
  user_id               uuid NOT NULL REFERENCES users (id),
  status                text NOT NULL CHECK (status IN ('HELD', 'PAYMENT_PENDING', 'CONFIRMED', 'EXPIRED', 'CANCELLED', 'REFUNDED')),
  held_until            timestamptz NOT NULL,
  extensions_used       int NOT NULL DEFAULT 0 CHECK (extensions_used >= 0),
  max_hold_extensions   int NOT NULL CHECK (max_hold_extensions >= 0),
  payment_attempts      int NOT NULL DEFAULT 0 CHECK (payment_attempts >= 0),
  total_price_cents     int NOT NULL CHECK (total_price_cents >= 0),
  idempotency_key       text,
  release_reason        text,
  released_at           timestamptz,
  confirmed_at          timestamptz,
  created_at            timestamptz NOT NULL DEFAULT now(),
  updated_at            timestamptz NOT NULL DEFAULT now(),
  CHECK (extensions_used <= max_hold_extensions),
  CHECK ((status IN ('EXPIRED', 'CANCELLED')) = (released_at IS NOT NULL))
);
CREATE INDEX reservations_event_status_idx ON reservations (event_id, status);
CREATE INDEX reservations_user_idx ON reservations (user_id, created_at DESC);
CREATE INDEX reservations_active_held_until_idx ON reservations (held_until) WHERE status IN ('HELD', 'PAYMENT_PENDING');

-- What a reservation asked for and was priced at; immutable, so the reservation can still be shown
-- after its seats went back on sale.
CREATE TABLE reservation_items (
  reservation_id uuid NOT NULL REFERENCES reservations (id) ON DELETE CASCADE,
  position       int  NOT NULL,
  section_id     uuid NOT NULL REFERENCES sections (id),
  seat_id        uuid,
  quantity       int  NOT NULL CHECK (quantity > 0),
  price_cents    int  NOT NULL CHECK (price_cents >= 0),
  PRIMARY KEY (reservation_id, position),
  CHECK (seat_id IS NULL OR quantity = 1)
);

-- One row per seat per event. A held or sold seat names its reservation; a hold has a deadline.
CREATE TABLE seats (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  event_id       uuid NOT NULL REFERENCES events (id) ON DELETE CASCADE,
  section_id     uuid NOT NULL REFERENCES sections (id),
  row_label      text NOT NULL,
  seat_number    int  NOT NULL CHECK (seat_number > 0),
  status         text NOT NULL DEFAULT 'AVAILABLE' CHECK (status IN ('AVAILABLE', 'HELD', 'SOLD')),
  reservation_id uuid REFERENCES reservations (id),
  held_until     timestamptz,
  version        int  NOT NULL DEFAULT 0,
  UNIQUE (event_id, section_id, row_label, seat_number),
  CHECK (
    (status = 'AVAILABLE' AND reservation_id IS NULL AND held_until IS NULL)
    OR (status = 'HELD' AND reservation_id IS NOT NULL AND held_until IS NOT NULL)
    OR (status = 'SOLD' AND reservation_id IS NOT NULL AND held_until IS NULL)
  )
);
CREATE INDEX seats_event_section_idx ON seats (event_id, section_id, row_label, seat_number);
CREATE INDEX seats_reservation_idx ON seats (reservation_id) WHERE reservation_id IS NOT NULL;
CREATE INDEX seats_event_status_idx ON seats (event_id, status);

-- One counter per GA section per event: never more held and sold than there is room for.
CREATE TABLE ga_inventory (
  event_id   uuid NOT NULL REFERENCES events (id) ON DELETE CASCADE,
  section_id uuid NOT NULL REFERENCES sections (id),
  capacity   int  NOT NULL CHECK (capacity > 0),
  held       int  NOT NULL DEFAULT 0 CHECK (held >= 0),
  sold       int  NOT NULL DEFAULT 0 CHECK (sold >= 0),
  PRIMARY KEY (event_id, section_id),
  CHECK (held + sold <= capacity)
);

-- Each reservation's share of a GA counter, so a release gives back exactly what was taken, once.
CREATE TABLE ga_holds (
  reservation_id uuid NOT NULL REFERENCES reservations (id),
  event_id       uuid NOT NULL,
  section_id     uuid NOT NULL,
  quantity       int  NOT NULL CHECK (quantity > 0),
  status         text NOT NULL CHECK (status IN ('HELD', 'SOLD', 'RELEASED')),
  held_until     timestamptz NOT NULL,
  PRIMARY KEY (reservation_id, section_id),
  FOREIGN KEY (event_id, section_id) REFERENCES ga_inventory (event_id, section_id)
);
CREATE INDEX ga_holds_active_idx ON ga_holds (event_id, section_id, held_until) WHERE status = 'HELD';

CREATE TABLE payments (
  id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  reservation_id      uuid NOT NULL REFERENCES reservations (id),
  idempotency_key     text NOT NULL UNIQUE,
  provider_payment_id text,
  payment_method_id   text,
  amount_cents        int  NOT NULL CHECK (amount_cents >= 0),
  status              text NOT NULL CHECK (status IN ('PENDING', 'SUCCEEDED', 'DECLINED', 'REFUNDED')),
  failure_code        text,
  created_at          timestamptz NOT NULL DEFAULT now(),
  updated_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX payments_reservation_idx ON payments (reservation_id);
CREATE UNIQUE INDEX payments_provider_id_key ON payments (provider_payment_id) WHERE provider_payment_id IS NOT NULL;

CREATE TABLE orders (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  reservation_id uuid NOT NULL UNIQUE REFERENCES reservations (id),
  user_id        uuid NOT NULL REFERENCES users (id),
  event_id       uuid NOT NULL REFERENCES events (id),
  payment_id     uuid NOT NULL REFERENCES payments (id),
  total_cents    int  NOT NULL CHECK (total_cents >= 0),
  status         text NOT NULL DEFAULT 'CONFIRMED' CHECK (status IN ('CONFIRMED', 'REFUNDED')),
  created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX orders_user_idx ON orders (user_id, created_at DESC);

CREATE TABLE tickets (
  id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  order_id   uuid NOT NULL REFERENCES orders (id),
  event_id   uuid NOT NULL REFERENCES events (id),
  section_id uuid NOT NULL REFERENCES sections (id),
  seat_id    uuid REFERENCES seats (id),
  owner_id   uuid NOT NULL REFERENCES users (id),
  status     text NOT NULL DEFAULT 'ACTIVE' CHECK (status IN ('ACTIVE', 'USED', 'CANCELLED', 'TRANSFERRED')),
  qr_code    text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
-- A seat can have only one live ticket: the schema itself refuses a double sale.
CREATE UNIQUE INDEX tickets_live_seat_key ON tickets (seat_id) WHERE seat_id IS NOT NULL AND status IN ('ACTIVE', 'USED');
CREATE INDEX tickets_order_idx ON tickets (order_id);

-- Append-only record of every inventory change: who, which reservation, when.
CREATE TABLE inventory_audit_log (
  id             bigserial PRIMARY KEY,
  event_id       uuid NOT NULL,
  reservation_id uuid,
  section_id     uuid NOT NULL,
  seat_id        uuid,
  quantity       int  NOT NULL CHECK (quantity > 0),
  action         text NOT NULL CHECK (action IN ('HOLD', 'EXTEND', 'RELEASE', 'SELL', 'RECLAIM_EXPIRED')),
  actor          text NOT NULL,
  detail         text,
  created_at     timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX inventory_audit_log_event_idx ON inventory_audit_log (event_id, created_at);
CREATE INDEX inventory_audit_log_reservation_idx ON inventory_audit_log (reservation_id);

CREATE FUNCTION inventory_audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'inventory_audit_log is append-only';
END $$;
CREATE TRIGGER inventory_audit_log_no_update BEFORE UPDATE OR DELETE ON inventory_audit_log
  FOR EACH ROW EXECUTE FUNCTION inventory_audit_log_append_only();
