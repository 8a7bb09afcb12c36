import { ticketSchema } from './order-schemas';
import { z } from './registry';
import { NO_NUL_PATTERN, boundedText } from './string-formats';

const seat = z.object({
  seat_id: z.string().uuid(),
  section_id: z.string().uuid(),
  row: z.string(),
  number: z.number().int(),
  price_cents: z.number().int(),
});
const gaLine = z.object({ section_id: z.string().uuid(), quantity: z.number().int(), price_cents: z.number().int() });
export const reservationSchema = z
  .object({
    reservation_id: z.string().uuid(),
    event_id: z.string().uuid(),
    user_id: z.string().uuid(),
    status: z.enum(['HELD', 'PAYMENT_PENDING', 'CONFIRMED', 'EXPIRED', 'CANCELLED', 'REFUNDED']).openapi({ description: 'REFUNDED once its order is refunded' }),
    seats: z.array(seat),
    ga: z.array(gaLine),
    total_price_cents: z.number().int(),
    held_until: z.string().datetime(),
    extensions_used: z.number().int(),
    max_hold_extensions: z.number().int(),
    payment_attempts: z.number().int(),
    order_id: z.string().uuid().nullable(),
    tickets: z.array(ticketSchema).openapi({ description: 'with each ticket\'s signed qr_code, once CONFIRMED' }),
    release_reason: z.string().nullable(),
    seats_released: z
      .array(z.string().uuid())
      .optional()
      .openapi({ description: 'on the answer to DELETE: the seats this cancellation gave back' }),
    ga_released: z
      .array(z.object({ section_id: z.string().uuid(), quantity: z.number().int() }))
      .optional()
      .openapi({ description: 'on the answer to DELETE: the GA tickets this cancellation gave back, per section' }),
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
      .default([])
      .openapi({ uniqueItems: true, description: 'seats of the event, each at most once' }),
    ga: z
      .array(z.object({ section_id: z.string().uuid(), quantity: z.number().int().positive().max(MAX_ITEMS) }).strict())
      .max(20)
      .refine((lines) => new Set(lines.map((l) => l.section_id)).size === lines.length, 'ga must not repeat a section')
      .default([])
      .openapi({ description: 'GA sections of the event and how many tickets of each; a section at most once' }),
    hold_duration_seconds: z.number().int().min(1).max(1800).optional().openapi({ description: "default: the event's hold_duration_seconds" }),
    presale_code: boundedText({ min: 1, max: 100, pattern: NO_NUL_PATTERN }).optional().openapi({
      description:
        "while a presale window is open (before on_sale_at): the window's access code, else 403 PRESALE_CODE_REQUIRED; " +
        'ignored during the general sale, and not part of the X-Idempotency-Key fingerprint',
    }),
  })
  .refine((b) => b.seat_ids.length + b.ga.length > 0, { message: 'ask for at least one seat or one GA ticket', path: ['seat_ids'] })
  .openapi('CreateReservationRequest', {
    description:
      'At least one seat or one GA ticket (seat_ids and ga not both empty); no seat and no GA section twice; ' +
      "at most the event's max_tickets_per_order tickets in all (seats plus GA quantities); seat_ids must be seats " +
      'of the event and ga sections GA sections on sale for it. Breaking any of these is 400 VALIDATION_ERROR.',
  });

export const confirmBody = z
  .object({ payment_method_id: boundedText({ min: 1, max: 100, pattern: NO_NUL_PATTERN }).openapi({ example: 'pm_card_visa' }) })
  .openapi('ConfirmReservationRequest');

export const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{1,200}$/;

export const idempotencyHeaders = z.object({
  'x-idempotency-key': z
    .string()
    .regex(IDEMPOTENCY_KEY_PATTERN)
    .optional()
    .openapi({ description: '1 to 200 printable ASCII characters, no spaces; the same key with another body is 422 IDEMPOTENCY_KEY_REUSED' }),
});

export const webhookBody = z
  .object({
    reservation_id: z.string().uuid(),
    payment_id: boundedText({ min: 1, max: 200, pattern: NO_NUL_PATTERN }),
    status: z.enum(['succeeded', 'failed']),
    // Stored as a PostgreSQL integer.
    amount_cents: z.number().int().min(0).max(2_147_483_647),
  })
  .openapi('PaymentWebhook');
