import type { RouteLink } from '../routes/define-route';

/**
 * The OpenAPI links of a reservation's life, in one place so the flow reads top to bottom:
 * a venue, then its event, then the event's seat map, then a reservation and what can be done to it.
 * Generic tools (stateful testers, API explorers) follow them without knowing this API.
 */
export const venueCreatedLinks: Record<string, RouteLink> = {
  GetVenue: { operationId: 'getVenue', description: 'read the venue just created', parameters: { id: '$response.body#/id' } },
  CreateEventAtVenue: {
    operationId: 'createEvent',
    description: 'create an event at this venue; here its first section is priced (any of sections[].id can be)',
    requestBody: { venue_id: '$response.body#/id', prices: [{ section_id: '$response.body#/sections/0/id', price_cents: 5000 }] },
  },
};

export const eventCreatedLinks: Record<string, RouteLink> = {
  GetEvent: { operationId: 'getEvent', description: 'read the event just created', parameters: { id: '$response.body#/id' } },
  GetEventSeats: { operationId: 'getEventSeats', description: 'its seat availability', parameters: { id: '$response.body#/id' } },
};

export const seatMapLinks: Record<string, RouteLink> = {
  CreateReservationForEvent: {
    operationId: 'createReservation',
    description: 'hold seats (sections[].seats[].seat_id) or GA tickets (sections[].section_id) of this event',
    requestBody: { event_id: '$response.body#/event_id' },
  },
};

const reservationId = { id: '$response.body#/reservation_id' };

export const reservationLinks: Record<string, RouteLink> = {
  GetReservation: { operationId: 'getReservation', description: 'read the reservation', parameters: reservationId },
  ConfirmReservation: { operationId: 'confirmReservation', description: 'pay for the hold', parameters: reservationId },
  ExtendReservation: { operationId: 'extendReservation', description: 'keep the hold longer', parameters: reservationId },
  CancelReservation: { operationId: 'cancelReservation', description: 'give the hold back', parameters: reservationId },
};
