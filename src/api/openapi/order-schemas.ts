import { z } from './registry';
import { emailAddress } from './string-formats';

const TICKET_STATUSES = ['ACTIVE', 'USED', 'CANCELLED', 'TRANSFERRED', 'RESOLD'] as const;

export const ticketSchema = z
  .object({
    ticket_id: z.string().uuid(),
    order_id: z.string().uuid(),
    event_id: z.string().uuid(),
    seat_id: z.string().uuid().nullable().openapi({ description: 'null for a general-admission ticket' }),
    section_id: z.string().uuid(),
    owner_id: z.string().uuid(),
    status: z.enum(TICKET_STATUSES).openapi({ description: 'only an ACTIVE ticket opens the door; a scan makes it USED' }),
    qr_code: z.string().openapi({
      description:
        'TKT2.<claims>.<signature>: base64url JSON claims (tid ticket, eid event, sec section, seat, lbl label, own owner id, nm owner name, iat issued at, kid key id) and an Ed25519 signature of "TKT2.<claims>", verifiable offline with the public key',
      example: 'TKT2.eyJ0aWQiOi…fQ.3q2-7w…',
    }),
    event_name: z.string(),
    event_starts_at: z.string().datetime(),
    section_name: z.string(),
    row: z.string().nullable(),
    number: z.number().int().nullable(),
    issued_at: z.string().datetime(),
    used_at: z.string().datetime().nullable(),
    transferred_to: z.string().uuid().nullable().openapi({ description: "the recipient's new ticket, once transferred" }),
    transferred_from: z.string().uuid().nullable().openapi({ description: 'the ticket this one was transferred from' }),
    resold_to: z.string().uuid().nullable().openapi({ description: "the resale buyer's new ticket, once sold on resale (this one is then RESOLD)" }),
    resold_from: z.string().uuid().nullable().openapi({ description: 'the ticket this one was bought from on resale' }),
    face_value_cents: z.number().int().openapi({ description: "what the ticket's place first sold for" }),
    resale_max_price_cents: z.number().int().nullable().openapi({ description: 'the most it may be listed for on resale; null when the event does not allow resale' }),
    listing_id: z.string().uuid().nullable().openapi({ description: 'its open resale listing (LISTED), if any' }),
  })
  .openapi('Ticket');

export const orderSchema = z
  .object({
    order_id: z.string().uuid(),
    reservation_id: z.string().uuid(),
    event_id: z.string().uuid(),
    user_id: z.string().uuid(),
    status: z.enum(['CONFIRMED', 'REFUNDING', 'REFUNDED']).openapi({
      description: 'REFUNDING: the tickets are cancelled and the seats back on sale; the money is on its way back',
    }),
    total_cents: z.number().int(),
    created_at: z.string().datetime(),
    refunded_at: z.string().datetime().nullable(),
    event: z.object({ id: z.string().uuid(), name: z.string(), starts_at: z.string().datetime(), venue_name: z.string(), city: z.string() }),
    tickets: z.array(ticketSchema).openapi({ description: 'the tickets the order issued to its buyer (a transferred one shows as TRANSFERRED, one sold on resale as RESOLD)' }),
  })
  .openapi('Order');

export const orderListSchema = z
  .object({ orders: z.array(orderSchema), next_cursor: z.string().nullable().openapi({ description: 'null on the last page' }) })
  .openapi('OrderList');

export const orderListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(300).optional().openapi({ description: 'next_cursor of the previous page (opaque)' }),
});

export const ticketListSchema = z.object({ tickets: z.array(ticketSchema) }).openapi('TicketList');

export const ticketListQuery = z.object({ limit: z.coerce.number().int().min(1).max(200).default(100) });

export const validateTicketBody = z
  .object({
    qr_code: z.string().min(1).max(4096).openapi({ description: 'the scanned code, as printed in the QR code' }),
    event_id: z
      .string()
      .uuid()
      .optional()
      .openapi({ description: "the event whose door this is: a ticket of another event is 409 WRONG_EVENT. Required for the scanner role; an admin may leave it out" }),
  })
  .openapi('ValidateTicketRequest');

export const validateTicketResponse = z.object({ valid: z.literal(true), ticket: ticketSchema }).openapi('TicketAdmitted');

export const transferTicketBody = z.object({ to_email: emailAddress.openapi({ description: 'a registered user, not the owner' }) }).openapi('TransferTicketRequest');

export const setRoleBody = z
  .object({ role: z.enum(['user', 'scanner', 'admin']).openapi({ description: 'scanner: may only validate tickets' }) })
  .openapi('SetRoleRequest');

export const userLookupQuery = z.object({ email: emailAddress });
