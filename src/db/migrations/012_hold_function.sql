-- The hold as one server-side function: one round trip and plans prepared once per connection, instead
-- of a dozen statements each parsed and planned (docs/benchmarks.md, "Where a hold's time goes"). The
-- rules are those of src/inventory/hold.ts, which calls it: the same lock order (src/inventory/locks.ts),
-- rows locked before they are judged, every guarded write's row count compared with the rows expected.
-- A business refusal is raised with SQLSTATE TK001: MESSAGE is the human text, DETAIL the contract's
-- error code, HINT the details as JSON.

CREATE OR REPLACE FUNCTION refuse_hold(code text, message text, details jsonb DEFAULT '{}'::jsonb) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION USING ERRCODE = 'TK001', MESSAGE = message, DETAIL = code, HINT = details::text;
END;
$$;

CREATE OR REPLACE FUNCTION hold_reservation(
  p_reservation_id uuid,
  p_event_id uuid,
  p_user_id uuid,
  p_seat_ids uuid[],
  p_ga_sections uuid[],
  p_ga_quantities int[],
  p_held_until timestamptz,
  p_max_extensions int,
  p_idempotency_key text,
  p_request_hash text,
  p_queue_token_id uuid,
  p_must_commit_by timestamptz
) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
  v_remaining_ms bigint;
  v_found boolean;
  v_status text;
  v_on_sale boolean;
  v_on_sale_at timestamptz;
  v_presale_id uuid;
  v_presale_max int;
  v_has_presales boolean;
  v_next_start timestamptz;
  v_cancelled boolean;
  v_general_sale boolean;
  v_requested int;
  v_already int;
  v_token_statuses text[];
  v_seats jsonb := '[]'::jsonb;
  v_ga jsonb := '[]'::jsonb;
  v_total int := 0;
  v_position int := 0;
  v_prices jsonb;
  v_locked jsonb := '[]'::jsonb;
  v_unavailable uuid[];
  v_seat record;
  v_line record;
  v_counter record;
  v_price int;
  v_fans_waiting boolean;
  v_reclaimed int;
  v_available int;
  v_rows int;
  v_seat_count int := 0;
  v_created_at timestamptz := now();
BEGIN
  -- Lock waits end before the caller's deadline (with a margin for the commit), so an attempt nobody
  -- waits for any more cannot commit a hold behind its back.
  IF p_must_commit_by IS NOT NULL THEN
    v_remaining_ms := floor(extract(epoch FROM (p_must_commit_by - clock_timestamp())) * 1000) - 250;
    IF v_remaining_ms <= 0 THEN
      RAISE EXCEPTION 'the hold attempt started after its deadline';
    END IF;
    PERFORM set_config('lock_timeout', v_remaining_ms::text, true);
  END IF;

  -- The sale window, by the database clock (no row lock: thousands of holds share the event row).
  SELECT true, e.status, e.on_sale_at <= now(), e.on_sale_at, w.id, w.max_tickets_per_user,
         EXISTS (SELECT 1 FROM presale_windows p WHERE p.event_id = e.id),
         (SELECT min(p.starts_at) FROM presale_windows p WHERE p.event_id = e.id AND p.starts_at > now())
    INTO v_found, v_status, v_on_sale, v_on_sale_at, v_presale_id, v_presale_max, v_has_presales, v_next_start
    FROM events e
    LEFT JOIN LATERAL (
      SELECT id, max_tickets_per_user FROM presale_windows p
       WHERE p.event_id = e.id AND p.starts_at <= now() AND now() < p.ends_at
       ORDER BY p.starts_at LIMIT 1
    ) w ON true
   WHERE e.id = p_event_id;
  v_found := coalesce(v_found, false);
  v_cancelled := v_status = 'CANCELLED';
  v_general_sale := v_found AND NOT v_cancelled AND v_on_sale;
  IF NOT v_found OR v_cancelled OR v_general_sale THEN
    v_presale_id := NULL;
  END IF;

  -- 1. During a presale, the buyer's lock for the event; 2. the queue token's; then the reservation's
  -- own attempts (a retry waits for an attempt still running, then finds its hold).
  IF v_presale_id IS NOT NULL THEN
    PERFORM pg_advisory_xact_lock(hashtextextended('buyer:' || p_event_id::text || ':' || p_user_id::text, 0));
  END IF;
  IF p_queue_token_id IS NOT NULL THEN
    PERFORM pg_advisory_xact_lock(hashtextextended('queue-token:' || p_queue_token_id::text, 0));
  END IF;
  PERFORM pg_advisory_xact_lock(hashtextextended('reservation:' || p_reservation_id::text, 0));
  IF EXISTS (SELECT 1 FROM reservations WHERE id = p_reservation_id) THEN
    RETURN jsonb_build_object('created', false);
  END IF;

  IF NOT v_found THEN
    PERFORM refuse_hold('EVENT_NOT_FOUND', 'event not found', jsonb_build_object('event_id', p_event_id));
  END IF;
  IF NOT v_general_sale AND v_presale_id IS NULL THEN
    IF NOT v_cancelled AND v_has_presales THEN
      PERFORM refuse_hold('NOT_ON_SALE_YET', 'no presale window is open and the general sale has not started', jsonb_build_object(
        'event_id', p_event_id,
        'opens_at', to_char((CASE WHEN v_next_start IS NOT NULL AND v_next_start < v_on_sale_at THEN v_next_start ELSE v_on_sale_at END) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')));
    END IF;
    PERFORM refuse_hold('EVENT_NOT_ON_SALE', 'this event is not on sale', jsonb_build_object('event_id', p_event_id));
  END IF;

  -- The presale's per-user limit, counted under the buyer's lock.
  IF v_presale_id IS NOT NULL THEN
    v_requested := cardinality(p_seat_ids) + coalesce((SELECT sum(q) FROM unnest(p_ga_quantities) q), 0);
    SELECT coalesce(sum(i.quantity), 0)::int INTO v_already
      FROM reservations r JOIN reservation_items i ON i.reservation_id = r.id
     WHERE r.event_id = p_event_id AND r.user_id = p_user_id
       AND (r.status = 'CONFIRMED' OR (r.status IN ('HELD', 'PAYMENT_PENDING') AND r.held_until > now()));
    IF v_already + v_requested > v_presale_max THEN
      PERFORM refuse_hold('PRESALE_LIMIT_EXCEEDED', format('this presale allows %s tickets per buyer', v_presale_max), jsonb_build_object(
        'max_tickets_per_user', v_presale_max, 'already_held_or_bought', v_already, 'requested', v_requested));
    END IF;
  END IF;

  -- One queue token, one purchase, decided under the token's lock.
  IF p_queue_token_id IS NOT NULL THEN
    SELECT array_agg(status) INTO v_token_statuses FROM reservations
     WHERE queue_token_id = p_queue_token_id AND status IN ('HELD', 'PAYMENT_PENDING', 'CONFIRMED', 'REFUNDED');
    IF v_token_statuses && ARRAY['CONFIRMED', 'REFUNDED'] THEN
      PERFORM refuse_hold('QUEUE_TOKEN_USED', 'this queue token was used for a purchase already: join the queue again to buy more');
    END IF;
    IF cardinality(v_token_statuses) > 0 THEN
      PERFORM refuse_hold('HOLD_ALREADY_OPEN', 'a hold made with this queue token is still open: buy or cancel it first');
    END IF;
  END IF;

  -- The event's prices, read once: every line is priced from this read and the reservation keeps them.
  -- A DEMAND event's price rows are locked FOR SHARE (between 3 and 4 of the lock order): a price change
  -- waits for the holds made at the old price, and a hold that waited for a change reads the new one.
  IF EXISTS (SELECT 1 FROM event_pricing WHERE event_id = p_event_id) THEN
    SELECT coalesce(jsonb_object_agg(section_id::text, price_cents), '{}'::jsonb) INTO v_prices
      FROM (SELECT section_id, price_cents FROM event_prices WHERE event_id = p_event_id ORDER BY section_id FOR SHARE) p;
  ELSE
    SELECT coalesce(jsonb_object_agg(section_id::text, price_cents), '{}'::jsonb) INTO v_prices FROM event_prices WHERE event_id = p_event_id;
  END IF;

  -- 4. Seats, in id order, locked before they are judged.
  IF cardinality(p_seat_ids) > 0 THEN
    SELECT coalesce(jsonb_agg(jsonb_build_object('id', s.id, 'section_id', s.section_id, 'status', s.status, 'reservation_id', s.reservation_id,
             'expired', s.status = 'HELD' AND s.held_until <= now(), 'row', s.row_label, 'number', s.seat_number) ORDER BY s.id), '[]'::jsonb)
      INTO v_locked
      FROM (SELECT * FROM seats WHERE event_id = p_event_id AND id = ANY(p_seat_ids) ORDER BY id FOR UPDATE) s;
    v_seat_count := jsonb_array_length(v_locked);
    IF v_seat_count <> (SELECT count(DISTINCT x) FROM unnest(p_seat_ids) x) THEN
      PERFORM refuse_hold('VALIDATION_ERROR', 'some seats do not belong to this event', jsonb_build_object('details',
        (SELECT jsonb_agg(jsonb_build_object('field', 'seat_ids', 'message', 'unknown seat ' || x) ORDER BY x) FROM unnest(p_seat_ids) x
          WHERE NOT EXISTS (SELECT 1 FROM jsonb_array_elements(v_locked) l WHERE (l ->> 'id')::uuid = x))));
    END IF;
    -- A lapsed hold not yet released is available, unless fans wait for its section: it is theirs then.
    SELECT array_agg((l ->> 'id')::uuid ORDER BY (l ->> 'id')::uuid) INTO v_unavailable FROM jsonb_array_elements(v_locked) l
     WHERE l ->> 'status' <> 'AVAILABLE'
       AND NOT ((l ->> 'expired')::boolean AND NOT EXISTS (
         SELECT 1 FROM waitlist_entries w WHERE w.event_id = p_event_id AND w.section_id = (l ->> 'section_id')::uuid AND w.status = 'WAITING'));
    IF cardinality(v_unavailable) > 0 THEN
      PERFORM refuse_hold('SEATS_UNAVAILABLE', 'some of the seats are no longer available', jsonb_build_object('unavailable_seats', to_jsonb(v_unavailable)));
    END IF;
    FOR v_seat IN SELECT l FROM jsonb_array_elements(v_locked) l LOOP
      v_price := (v_prices ->> (v_seat.l ->> 'section_id'))::int;
      IF v_price IS NULL THEN
        PERFORM refuse_hold('VALIDATION_ERROR', 'a requested section is not on sale for this event', jsonb_build_object('details',
          jsonb_build_array(jsonb_build_object('field', 'section_id', 'message', format('section %s has no price for this event', v_seat.l ->> 'section_id')))));
      END IF;
      v_seats := v_seats || jsonb_build_object('seat_id', v_seat.l -> 'id', 'section_id', v_seat.l -> 'section_id', 'row', v_seat.l -> 'row',
        'number', v_seat.l -> 'number', 'price_cents', v_price, 'position', v_position);
      v_total := v_total + v_price;
      v_position := v_position + 1;
    END LOOP;
  END IF;

  FOR v_line IN SELECT s AS section_id, q AS quantity FROM unnest(p_ga_sections, p_ga_quantities) AS t(s, q) ORDER BY s LOOP
    v_price := (v_prices ->> v_line.section_id::text)::int;
    IF v_price IS NULL THEN
      PERFORM refuse_hold('VALIDATION_ERROR', 'a requested section is not on sale for this event', jsonb_build_object('details',
        jsonb_build_array(jsonb_build_object('field', 'section_id', 'message', format('section %s has no price for this event', v_line.section_id)))));
    END IF;
    v_ga := v_ga || jsonb_build_object('section_id', v_line.section_id, 'quantity', v_line.quantity, 'price_cents', v_price, 'position', v_position);
    v_total := v_total + v_price * v_line.quantity;
    v_position := v_position + 1;
  END LOOP;

  INSERT INTO reservations (id, event_id, user_id, status, held_until, max_hold_extensions, total_price_cents, idempotency_key, request_hash, queue_token_id, created_at, updated_at)
  VALUES (p_reservation_id, p_event_id, p_user_id, 'HELD', p_held_until, p_max_extensions, v_total, p_idempotency_key, p_request_hash, p_queue_token_id, v_created_at, v_created_at);
  INSERT INTO reservation_items (reservation_id, position, section_id, seat_id, quantity, price_cents)
  SELECT p_reservation_id, (i ->> 'position')::int, (i ->> 'section_id')::uuid, (i ->> 'seat_id')::uuid, coalesce((i ->> 'quantity')::int, 1), (i ->> 'price_cents')::int
    FROM jsonb_array_elements(v_seats || v_ga) i;

  IF v_seat_count > 0 THEN
    -- Seats whose hold lapsed are taken over; the audit log says whose hold it was.
    INSERT INTO inventory_audit_log (event_id, reservation_id, section_id, seat_id, quantity, action, actor, detail)
    SELECT p_event_id, (l ->> 'reservation_id')::uuid, (l ->> 'section_id')::uuid, (l ->> 'id')::uuid, 1, 'RECLAIM_EXPIRED', 'user:' || p_user_id,
           'taken over by reservation ' || p_reservation_id
      FROM jsonb_array_elements(v_locked) l WHERE (l ->> 'expired')::boolean;
    UPDATE seats SET status = 'HELD', reservation_id = p_reservation_id, held_until = p_held_until, version = version + 1
     WHERE event_id = p_event_id AND id = ANY(p_seat_ids);
    GET DIAGNOSTICS v_rows = ROW_COUNT;
    IF v_rows <> v_seat_count THEN
      RAISE EXCEPTION 'the hold changed % of % seats under its locks', v_rows, v_seat_count;
    END IF;
  END IF;

  -- 5. GA counters, by section.
  FOR v_line IN SELECT (g ->> 'section_id')::uuid AS section_id, (g ->> 'quantity')::int AS quantity FROM jsonb_array_elements(v_ga) g LOOP
    SELECT capacity, held, sold INTO v_counter FROM ga_inventory WHERE event_id = p_event_id AND section_id = v_line.section_id FOR UPDATE;
    IF NOT FOUND THEN
      PERFORM refuse_hold('VALIDATION_ERROR', 'a requested section has no general-admission tickets for this event', jsonb_build_object('details',
        jsonb_build_array(jsonb_build_object('field', 'ga.section_id', 'message', format('section %s is not a GA section of this event', v_line.section_id)))));
    END IF;
    -- Lapsed holds are taken back here, unless fans wait for the section: their release offers them.
    v_fans_waiting := EXISTS (SELECT 1 FROM waitlist_entries w WHERE w.event_id = p_event_id AND w.section_id = v_line.section_id AND w.status = 'WAITING');
    v_reclaimed := 0;
    IF NOT v_fans_waiting THEN
      WITH lapsed AS (
        UPDATE ga_holds SET status = 'RELEASED'
         WHERE event_id = p_event_id AND section_id = v_line.section_id AND status = 'HELD' AND held_until <= now()
        RETURNING reservation_id, quantity
      ), audited AS (
        INSERT INTO inventory_audit_log (event_id, reservation_id, section_id, seat_id, quantity, action, actor, detail)
        SELECT p_event_id, l.reservation_id, v_line.section_id, NULL, l.quantity, 'RECLAIM_EXPIRED', 'user:' || p_user_id,
               'lapsed hold returned to the counter by reservation ' || p_reservation_id
          FROM lapsed l
      )
      SELECT coalesce(sum(quantity), 0)::int INTO v_reclaimed FROM lapsed;
    END IF;
    v_available := v_counter.capacity - (v_counter.held - v_reclaimed) - v_counter.sold;
    IF v_available < v_line.quantity THEN
      PERFORM refuse_hold('INSUFFICIENT_INVENTORY', 'not enough tickets left in this section', jsonb_build_object(
        'section_id', v_line.section_id, 'available', greatest(v_available, 0)));
    END IF;
    -- The guard in WHERE and the CHECK constraint both refuse an oversell, even if the arithmetic were wrong.
    UPDATE ga_inventory SET held = held - v_reclaimed + v_line.quantity
     WHERE event_id = p_event_id AND section_id = v_line.section_id AND capacity - (held - v_reclaimed) - sold >= v_line.quantity;
    GET DIAGNOSTICS v_rows = ROW_COUNT;
    IF v_rows <> 1 THEN
      PERFORM refuse_hold('INSUFFICIENT_INVENTORY', 'not enough tickets left in this section', jsonb_build_object('section_id', v_line.section_id, 'available', 0));
    END IF;
    INSERT INTO ga_holds (reservation_id, event_id, section_id, quantity, status, held_until)
    VALUES (p_reservation_id, p_event_id, v_line.section_id, v_line.quantity, 'HELD', p_held_until);
  END LOOP;

  INSERT INTO inventory_audit_log (event_id, reservation_id, section_id, seat_id, quantity, action, actor)
  SELECT p_event_id, p_reservation_id, (i ->> 'section_id')::uuid, (i ->> 'seat_id')::uuid, coalesce((i ->> 'quantity')::int, 1), 'HOLD', 'user:' || p_user_id
    FROM jsonb_array_elements(v_seats || v_ga) i;

  IF p_must_commit_by IS NOT NULL AND clock_timestamp() >= p_must_commit_by THEN
    RAISE EXCEPTION 'the hold attempt outlived its deadline and was rolled back';
  END IF;
  RETURN jsonb_build_object(
    'created', true,
    'seats', v_seats,
    'ga', v_ga,
    'total_price_cents', v_total,
    'created_at', to_char(v_created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'));
END;
$$;
