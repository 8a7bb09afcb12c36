import { RESERVATION_STATUSES } from '../../domain/reservation';
import { z } from './registry';

export const joinWaitlistBody = z
  .object({
    section_id: z.string().uuid().openapi({ description: 'a section of the event with fewer than `quantity` places available' }),
    quantity: z.number().int().min(1).max(100).openapi({ description: "places wanted together, at most the event's max_tickets_per_order" }),
  })
  .strict()
  .openapi('JoinWaitlist');

export const waitlistEntrySchema = z
  .object({
    entry_id: z.string().uuid(),
    event_id: z.string().uuid(),
    section_id: z.string().uuid(),
    quantity: z.number().int(),
    status: z.enum(['WAITING', 'OFFERED', 'PURCHASED', 'OFFER_LAPSED', 'LEFT', 'CLOSED']).openapi({
      description:
        'WAITING in line; OFFERED: places came back and are held for you (offer.reservation_id; pay with POST /reservations/{id}/confirm ' +
        'before held_until, or they go to the next fan); PURCHASED: the offer was paid; OFFER_LAPSED: it expired or was cancelled unpaid ' +
        '(you may join again, at the back); LEFT: you left the line; CLOSED: the event was cancelled',
    }),
    position: z.number().int().nullable().openapi({ description: '1 = the next fan served in this section; null once out of the line' }),
    joined_at: z.string().datetime(),
    offer: z
      .object({
        reservation_id: z.string().uuid().openapi({ description: 'an ordinary reservation of yours: GET, confirm, extend or cancel it like any other' }),
        reservation_status: z.enum(RESERVATION_STATUSES),
        held_until: z.string().datetime(),
        offered_at: z.string().datetime(),
      })
      .nullable(),
  })
  .openapi('WaitlistEntry');
