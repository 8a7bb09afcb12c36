-- Two last lines of defence found missing by an adversarial review (issue 15): a ticket that opens the
-- door for a place whose order was refunded, and a queue token that buys again and again.

-- Each place of an order has a number, 1..n, fixed at the sale; a transfer's new ticket keeps the
-- number of the ticket it replaces. With the seat index of migration 001 this makes two usable
-- tickets for one place impossible for GA places too, within an order; across orders the GA counter
-- bounds the places sold, and the triggers below keep a refunded order's places without a usable ticket.
ALTER TABLE tickets ADD COLUMN place_number int CHECK (place_number > 0);
WITH RECURSIVE places AS (
  SELECT id, row_number() OVER (PARTITION BY order_id ORDER BY created_at, id)::int AS place_number
    FROM tickets WHERE transferred_from IS NULL
  UNION ALL
  SELECT t.id, p.place_number FROM tickets t JOIN places p ON t.transferred_from = p.id
)
UPDATE tickets t SET place_number = p.place_number FROM places p WHERE p.id = t.id;
ALTER TABLE tickets ALTER COLUMN place_number SET NOT NULL;
CREATE UNIQUE INDEX tickets_live_place_key ON tickets (order_id, place_number) WHERE status IN ('ACTIVE', 'USED');

-- A ticket becomes usable only while its order is CONFIRMED, decided under the order's row lock
-- (FOR SHARE): a refund holds that row FOR UPDATE from its first statement, so a transfer either
-- commits before the refund reads the order's tickets or finds the order refunded.
CREATE FUNCTION tickets_require_confirmed_order() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  order_status text;
BEGIN
  IF NEW.status IN ('ACTIVE', 'USED') AND (TG_OP = 'INSERT' OR OLD.status NOT IN ('ACTIVE', 'USED')) THEN
    SELECT status INTO order_status FROM orders WHERE id = NEW.order_id FOR SHARE;
    IF order_status IS DISTINCT FROM 'CONFIRMED' THEN
      RAISE EXCEPTION 'ticket % would open the door for order %, which is %', NEW.id, NEW.order_id, coalesce(order_status, 'missing')
        USING ERRCODE = 'check_violation';
    END IF;
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER tickets_usable_only_for_confirmed_orders BEFORE INSERT OR UPDATE OF status ON tickets
  FOR EACH ROW EXECUTE FUNCTION tickets_require_confirmed_order();

-- An order leaves CONFIRMED only once none of its tickets opens the door.
CREATE FUNCTION orders_leave_confirmed_without_usable_tickets() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.status = 'CONFIRMED' AND NEW.status <> 'CONFIRMED'
     AND EXISTS (SELECT 1 FROM tickets t WHERE t.order_id = NEW.id AND t.status IN ('ACTIVE', 'USED')) THEN
    RAISE EXCEPTION 'order % still has tickets that open the door; cancel them first', NEW.id
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER orders_no_usable_tickets_once_refunded BEFORE UPDATE OF status ON orders
  FOR EACH ROW EXECUTE FUNCTION orders_leave_confirmed_without_usable_tickets();

-- The queue token a reservation of a high-demand event was made with (null elsewhere, and for runs
-- of builds that did not send it). A token backs one purchase: at most one reservation per token is
-- open or bought. The hold checks this under the token's advisory lock and answers with the contract's
-- codes; the index is the last line of defence.
ALTER TABLE reservations ADD COLUMN queue_token_id uuid;
CREATE UNIQUE INDEX reservations_one_purchase_per_queue_token ON reservations (queue_token_id)
  WHERE queue_token_id IS NOT NULL AND status IN ('HELD', 'PAYMENT_PENDING', 'CONFIRMED', 'REFUNDED');
