-- Operators: cancelled events, reconciliation reports, and a payments trail for the audit.

ALTER TABLE events ADD COLUMN cancelled_at timestamptz;
ALTER TABLE events ADD COLUMN cancellation_reason text;
ALTER TABLE events ADD CONSTRAINT events_cancelled_at CHECK ((status = 'CANCELLED') = (cancelled_at IS NOT NULL));

-- Each reconciliation run's report, kept: what was checked, and exactly what did not add up.
CREATE TABLE reconciliation_reports (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  -- The run that wrote it: a retried store of the same run writes nothing twice.
  workflow_id     text NOT NULL,
  run_id          text NOT NULL UNIQUE,
  trigger         text NOT NULL CHECK (trigger IN ('SCHEDULE', 'MANUAL')),
  -- A run about one event only; NULL when every event was checked.
  event_id        uuid,
  started_at      timestamptz NOT NULL,
  finished_at     timestamptz NOT NULL DEFAULT now(),
  events_checked  int NOT NULL CHECK (events_checked >= 0),
  findings_count  int NOT NULL CHECK (findings_count >= 0),
  counts          jsonb NOT NULL,
  findings        jsonb NOT NULL
);
CREATE INDEX reconciliation_reports_finished_idx ON reconciliation_reports (finished_at DESC);

-- Every status a payment takes, appended by the database itself, whichever code path changed it.
CREATE TABLE payment_events (
  id             bigserial PRIMARY KEY,
  payment_id     uuid NOT NULL REFERENCES payments (id),
  reservation_id uuid NOT NULL,
  status         text NOT NULL,
  detail         text,
  created_at     timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX payment_events_reservation_idx ON payment_events (reservation_id, created_at);
CREATE TRIGGER payment_events_no_update BEFORE UPDATE OR DELETE ON payment_events
  FOR EACH ROW EXECUTE FUNCTION refuse_history_edits();

CREATE FUNCTION payments_record_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' OR NEW.status IS DISTINCT FROM OLD.status THEN
    INSERT INTO payment_events (payment_id, reservation_id, status, detail)
    VALUES (NEW.id, NEW.reservation_id, NEW.status,
            concat_ws(' ', lower(NEW.source), NEW.payment_method_id, 'key ' || NEW.idempotency_key, NEW.failure_code, NEW.amount_cents || ' cents'));
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER payments_trail AFTER INSERT OR UPDATE OF status ON payments
  FOR EACH ROW EXECUTE FUNCTION payments_record_event();

-- What the event's cancellation or reconciliation needs to find quickly.
CREATE INDEX orders_event_status_idx ON orders (event_id, status);
