-- The release of a hold as one server-side function (see 012 for why).

-- A reservation as the contract shows it, without its tickets (a held or released one has none).
CREATE OR REPLACE FUNCTION reservation_view_json(p_reservation_id uuid) RETURNS jsonb
LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object(
    'reservation_id', r.id, 'event_id', r.event_id, 'user_id', r.user_id, 'status', r.status,
    'seats', coalesce((SELECT jsonb_agg(jsonb_build_object('seat_id', i.seat_id, 'section_id', i.section_id, 'row', s.row_label,
                 'number', s.seat_number, 'price_cents', i.price_cents) ORDER BY i.position)
                FROM reservation_items i JOIN seats s ON s.id = i.seat_id WHERE i.reservation_id = r.id), '[]'::jsonb),
    'ga', coalesce((SELECT jsonb_agg(jsonb_build_object('section_id', i.section_id, 'quantity', i.quantity, 'price_cents', i.price_cents) ORDER BY i.position)
                FROM reservation_items i WHERE i.reservation_id = r.id AND i.seat_id IS NULL), '[]'::jsonb),
    'total_price_cents', r.total_price_cents,
    'held_until', to_char(r.held_until AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
    'extensions_used', r.extensions_used, 'max_hold_extensions', r.max_hold_extensions, 'payment_attempts', r.payment_attempts,
    'order_id', (SELECT o.id FROM orders o WHERE o.reservation_id = r.id), 'tickets', '[]'::jsonb,
    'release_reason', r.release_reason,
    'created_at', to_char(r.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
    'updated_at', to_char(r.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
    FROM reservations r WHERE r.id = p_reservation_id
$$;

-- The release of a hold (src/inventory/release.ts calls it): gives back what the reservation still holds
-- (a seat or GA place another hold reclaimed after it lapsed stays theirs) and closes it, in the lock
-- order: the reservation's row, its seats by id, then GA counters by section. With p_unless_fans_wait,
-- a release whose places fans wait for changes nothing and answers FANS_WAITING: the caller releases in a
-- transaction of its own that also offers the places (src/waitlist/offer-places.ts).
CREATE OR REPLACE FUNCTION release_reservation(p_reservation_id uuid, p_status text, p_reason text, p_actor text, p_unless_fans_wait boolean)
RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
  v_event_id uuid;
  v_status text;
  v_seats jsonb;
  v_ga jsonb := '[]'::jsonb;
  v_hold record;
  v_rows int;
BEGIN
  SELECT event_id, status INTO v_event_id, v_status FROM reservations WHERE id = p_reservation_id FOR UPDATE;
  IF NOT FOUND THEN
    RETURN jsonb_build_object('outcome', 'MISSING');
  END IF;
  IF v_status IN ('EXPIRED', 'CANCELLED') THEN
    RETURN jsonb_build_object('outcome', 'REPEATED', 'event_id', v_event_id);
  END IF;
  IF v_status IN ('CONFIRMED', 'REFUNDED') THEN
    RETURN jsonb_build_object('outcome', 'SOLD', 'status', v_status);
  END IF;
  IF p_unless_fans_wait AND EXISTS (
    SELECT 1 FROM waitlist_entries w
     WHERE w.event_id = v_event_id AND w.status = 'WAITING'
       AND w.section_id IN (SELECT section_id FROM seats WHERE reservation_id = p_reservation_id AND status = 'HELD'
                            UNION SELECT section_id FROM ga_holds WHERE reservation_id = p_reservation_id AND status = 'HELD')) THEN
    RETURN jsonb_build_object('outcome', 'FANS_WAITING');
  END IF;

  WITH freed AS (
    UPDATE seats SET status = 'AVAILABLE', reservation_id = NULL, held_until = NULL, version = version + 1
     WHERE id IN (SELECT id FROM seats WHERE reservation_id = p_reservation_id AND status = 'HELD' ORDER BY id FOR UPDATE)
    RETURNING id, section_id
  )
  SELECT coalesce(jsonb_agg(jsonb_build_object('seat_id', id, 'section_id', section_id) ORDER BY id), '[]'::jsonb) INTO v_seats FROM freed;

  FOR v_hold IN SELECT section_id, quantity FROM ga_holds WHERE reservation_id = p_reservation_id AND status = 'HELD' ORDER BY section_id LOOP
    PERFORM 1 FROM ga_inventory WHERE event_id = v_event_id AND section_id = v_hold.section_id FOR UPDATE;
    -- Re-read under the counter's lock: a concurrent hold may have reclaimed this lapsed hold meanwhile.
    UPDATE ga_holds SET status = 'RELEASED' WHERE reservation_id = p_reservation_id AND section_id = v_hold.section_id AND status = 'HELD';
    GET DIAGNOSTICS v_rows = ROW_COUNT;
    IF v_rows = 1 THEN
      UPDATE ga_inventory SET held = held - v_hold.quantity WHERE event_id = v_event_id AND section_id = v_hold.section_id;
      GET DIAGNOSTICS v_rows = ROW_COUNT;
      IF v_rows <> 1 THEN
        RAISE EXCEPTION 'the GA counter of section % changed under its lock', v_hold.section_id;
      END IF;
      v_ga := v_ga || jsonb_build_object('section_id', v_hold.section_id, 'quantity', v_hold.quantity);
    END IF;
  END LOOP;

  UPDATE reservations SET status = p_status, release_reason = p_reason, released_at = now(), updated_at = now() WHERE id = p_reservation_id;
  INSERT INTO inventory_audit_log (event_id, reservation_id, section_id, seat_id, quantity, action, actor, detail)
  SELECT v_event_id, p_reservation_id, (x ->> 'section_id')::uuid, (x ->> 'seat_id')::uuid, coalesce((x ->> 'quantity')::int, 1), 'RELEASE', p_actor, p_reason
    FROM jsonb_array_elements(v_seats || v_ga) x;
  RETURN jsonb_build_object('outcome', 'RELEASED', 'event_id', v_event_id, 'released_seats', v_seats, 'released_ga', v_ga,
    'view', reservation_view_json(p_reservation_id));
END;
$$;
