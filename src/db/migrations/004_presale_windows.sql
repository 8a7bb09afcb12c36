-- Presale windows: before an event's general sale (on_sale_at), holders of a window's access code may
-- buy while the window is open, at most max_tickets_per_user tickets each (live holds and confirmed
-- reservations of the event counted together). Windows of one event do not overlap (checked on create).
CREATE TABLE presale_windows (
  id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  event_id             uuid NOT NULL REFERENCES events (id) ON DELETE CASCADE,
  name                 text NOT NULL,
  starts_at            timestamptz NOT NULL,
  ends_at              timestamptz NOT NULL,
  access_code          text NOT NULL CHECK (length(access_code) BETWEEN 1 AND 100),
  max_tickets_per_user int  NOT NULL CHECK (max_tickets_per_user BETWEEN 1 AND 100),
  CHECK (starts_at < ends_at)
);
CREATE INDEX presale_windows_event_idx ON presale_windows (event_id, starts_at);

-- The per-user limit counts a user's reservations of one event.
CREATE INDEX reservations_event_user_idx ON reservations (event_id, user_id);
