-- Waiting lists: fans in line, per event and section, each for a number of places. The transaction
-- that frees places (a release, a refund) hands them to the first fans in line as holds of their own:
-- the entry becomes OFFERED and names its reservation, in the same transaction, so a place is never
-- offered twice and a retried step finds the offers it made by what freed them (offered_after).
CREATE TABLE waitlist_entries (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  line_number    bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  event_id       uuid NOT NULL REFERENCES events (id),
  section_id     uuid NOT NULL REFERENCES sections (id),
  user_id        uuid NOT NULL REFERENCES users (id),
  quantity       int  NOT NULL CHECK (quantity > 0),
  status         text NOT NULL CHECK (status IN ('WAITING', 'OFFERED', 'LEFT')),
  joined_at      timestamptz NOT NULL DEFAULT now(),
  offered_at     timestamptz,
  -- 'reservation:<id>' or 'order:<id>': the release or refund whose places were offered.
  offered_after  text,
  reservation_id uuid UNIQUE REFERENCES reservations (id),
  left_at        timestamptz,
  CHECK ((status = 'OFFERED') = (reservation_id IS NOT NULL)),
  CHECK ((status = 'OFFERED') = (offered_at IS NOT NULL AND offered_after IS NOT NULL)),
  CHECK ((status = 'LEFT') = (left_at IS NOT NULL))
);

-- One place in line per fan and event.
CREATE UNIQUE INDEX waitlist_one_waiting_entry ON waitlist_entries (event_id, user_id) WHERE status = 'WAITING';
-- The line of a section, in join order: what a release walks.
CREATE INDEX waitlist_line_idx ON waitlist_entries (event_id, section_id, line_number) WHERE status = 'WAITING';
CREATE INDEX waitlist_offered_after_idx ON waitlist_entries (offered_after) WHERE offered_after IS NOT NULL;
CREATE INDEX waitlist_user_idx ON waitlist_entries (user_id, event_id, line_number DESC);
