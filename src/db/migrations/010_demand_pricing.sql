-- Demand pricing (contract v1.1): a DEMAND event's section prices move once per period within their
-- bounds (docs/pricing.md). A FIXED event has no event_pricing row and no bounds: it prices as before.

ALTER TABLE event_prices ADD COLUMN min_price_cents int CHECK (min_price_cents >= 0);
ALTER TABLE event_prices ADD COLUMN max_price_cents int;
ALTER TABLE event_prices ADD CONSTRAINT event_prices_within_bounds
  CHECK ((min_price_cents IS NULL) = (max_price_cents IS NULL)
         AND (min_price_cents IS NULL OR (min_price_cents <= price_cents AND price_cents <= max_price_cents)));

-- One row per DEMAND event: its terms and where its schedule stands. The pricing workflow is the only
-- writer after creation, in the transaction that moves the prices.
CREATE TABLE event_pricing (
  event_id          uuid PRIMARY KEY REFERENCES events (id) ON DELETE CASCADE,
  mode              text NOT NULL CHECK (mode = 'DEMAND'),
  period_seconds    int  NOT NULL CHECK (period_seconds >= 60),
  max_step_percent  int  NOT NULL CHECK (max_step_percent BETWEEN 1 AND 20),
  -- When the prices next move; null once no period ends before the event starts (or it was cancelled).
  next_change_at    timestamptz,
  -- The last period applied: a retried application of the same period changes nothing.
  last_period_at    timestamptz,
  periods_applied   int NOT NULL DEFAULT 0 CHECK (periods_applied >= 0)
);

-- Every price change with the figures it was computed from, written in the transaction that changed
-- the price. Append-only.
CREATE TABLE price_changes (
  id               bigserial PRIMARY KEY,
  event_id         uuid NOT NULL REFERENCES events (id),
  section_id       uuid NOT NULL REFERENCES sections (id),
  -- The end of the period this change belongs to (the workflow's timer), and when it was committed.
  period_at        timestamptz NOT NULL,
  changed_at       timestamptz NOT NULL DEFAULT clock_timestamp(),
  old_price_cents  int NOT NULL CHECK (old_price_cents >= 0),
  new_price_cents  int NOT NULL CHECK (new_price_cents >= 0),
  min_price_cents  int NOT NULL,
  max_price_cents  int NOT NULL,
  max_step_percent int NOT NULL,
  step_percent     int NOT NULL,
  capacity         int NOT NULL,
  sold             int NOT NULL,
  held             int NOT NULL,
  -- Fans in the event's waiting room, and the part of them counted against this section.
  queue_waiting    int NOT NULL,
  queue_share      numeric NOT NULL,
  -- (sold + held + queue_share) / capacity, and the share of the sale window gone (the pace).
  demand_share     numeric NOT NULL,
  pace_share       numeric NOT NULL,
  UNIQUE (event_id, section_id, period_at),
  CHECK (new_price_cents <> old_price_cents)
);
CREATE INDEX price_changes_event_idx ON price_changes (event_id, changed_at, id);

CREATE FUNCTION price_changes_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'price_changes is append-only';
END $$;
CREATE TRIGGER price_changes_no_update BEFORE UPDATE OR DELETE ON price_changes
  FOR EACH ROW EXECUTE FUNCTION price_changes_append_only();
