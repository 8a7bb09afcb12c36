import { z } from './registry';

const seat = z.object({
  seat_id: z.string().uuid(),
  section_id: z.string().uuid(),
  row: z.string(),
  number: z.number().int(),
  price_cents: z.number().int(),
});
const gaLine = z.object({ section_id: z.string().uuid(), quantity: z.number().int(), price_cents: z.number().int() });
const ticket = z.object({
  ticket_id: z.string().uuid(),
  order_id: z.string().uuid(),
  event_id: z.string().uuid(),
  seat_id: z.string().uuid().nullable(),
  section_id: z.string().uuid(),
  owner_id: z.string().uuid(),
  status: z.enum(['ACTIVE', 'USED', 'CANCELLED', 'TRANSFERRED']),
  qr_code: z.string(),
});

export const reservationSchema = z
  .object({
    reservation_id: z.string().uuid(),
    event_id: z.string().uuid(),
    user_id: z.string().uuid(),
    status: z.enum(['HELD', 'PAYMENT_PENDING', 'CONFIRMED', 'EXPIRED', 'CANCELLED', 'REFUNDED']),
    seats: z.array(seat),
    ga: z.array(gaLine),
    total_price_cents: z.number().int(),
    held_until: z.string().datetime(),
    extensions_used: z.number().int(),
    max_hold_extensions: z.number().int(),
    payment_attempts: z.number().int(),
    order_id: z.string().uuid().nullable(),
    tickets: z.array(ticket),
    release_reason: z.string().nullable(),
    seats_released: z.number().int().optional(),
    created_at: z.string().datetime(),
    updated_at: z.string().datetime(),
  })
  .openapi('Reservation');

const MAX_ITEMS = 100;

export const createReservationBody = z
  .object({
    event_id: z.string().uuid(),
    seat_ids: z
      .array(z.string().uuid())
      .max(MAX_ITEMS)
      .refine((ids) => new Set(ids).size === ids.length, 'seat_ids must not repeat a seat')
      .default([]),
    ga: z
      .array(z.object({ section_id: z.string().uuid(), quantity: z.number().int().positive().max(MAX_ITEMS) }).strict())
      .max(20)
      .refine((lines) => new Set(lines.map((l) => l.section_id)).size === lines.length, 'ga must not repeat a section')
      .default([]),
    hold_duration_seconds: z.number().int().min(1).max(1800).optional(),
  })
  .refine((b) => b.seat_ids.length + b.ga.length > 0, { message: 'ask for at least one seat or one GA ticket', path: ['seat_ids'] })
  .openapi('CreateReservationRequest');

export const confirmBody = z
  .object({ payment_method_id: z.string().min(1).max(100).openapi({ example: 'pm_card_visa' }) })
  .openapi('ConfirmReservationRequest');

export const idempotencyHeaders = z.object({
  'x-idempotency-key': z.string().min(1).max(200).optional(),
});

export const webhookBody = z
  .object({
    reservation_id: z.string().uuid(),
    payment_id: z.string().min(1).max(200),
    status: z.enum(['succeeded', 'failed']),
    amount_cents: z.number().int().min(0),
  })
  .openapi('PaymentWebhook');

export const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{1,200}$/;
