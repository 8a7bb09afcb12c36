-- A resale buyer whose purchase an order's refund gives back is told so, as the order's buyer is.
ALTER TABLE email_outbox DROP CONSTRAINT email_outbox_kind_check;
ALTER TABLE email_outbox ADD CONSTRAINT email_outbox_kind_check CHECK (kind IN (
  'ORDER_CONFIRMED', 'TRANSFER_SENT', 'TRANSFER_RECEIVED', 'RESALE_SOLD', 'RESALE_BOUGHT', 'RESALE_REFUNDED',
  'ORDER_REFUNDED', 'EVENT_CANCELLED'));
