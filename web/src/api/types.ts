/**
 * The page's view of the API: the very zod schemas the API validates and documents with
 * (src/api/openapi), imported for their types only — nothing of zod reaches the bundle.
 */
import type { z } from 'zod';
import type { sessionResponse, userSchema } from '../../../src/api/openapi/auth-schemas';
import type { eventListSchema, eventSchema, eventSummarySchema, seatMapSchema } from '../../../src/api/openapi/event-schemas';
import type { inventoryChangeSchema, priceChangeSchema, streamReloadSchema } from '../../../src/api/openapi/live-schemas';
import type { orderListSchema, orderSchema, ticketListSchema, ticketSchema, validateTicketResponse } from '../../../src/api/openapi/order-schemas';
import type { queueStatusSchema } from '../../../src/api/openapi/queue-schemas';
import type { listingListSchema, listingSchema, purchaseResponse } from '../../../src/api/openapi/resale-schemas';
import type { createReservationBody, reservationSchema } from '../../../src/api/openapi/reservation-schemas';

export type { ErrorCode } from '../../../src/domain/errors';

export type User = z.infer<typeof userSchema>;
export type Session = z.infer<typeof sessionResponse>;
export type EventSummary = z.infer<typeof eventSummarySchema>;
export type EventList = z.infer<typeof eventListSchema>;
export type EventDetail = z.infer<typeof eventSchema>;
export type SeatMap = z.infer<typeof seatMapSchema>;
export type MapSection = SeatMap['sections'][number];
export type SeatedSection = Extract<MapSection, { kind: 'SEATED' }>;
export type Seat = SeatedSection['seats'][number];
export type InventoryChange = z.infer<typeof inventoryChangeSchema>;
export type PriceChange = z.infer<typeof priceChangeSchema>;
export type StreamReload = z.infer<typeof streamReloadSchema>;
export type QueueStatus = z.infer<typeof queueStatusSchema>;
export type Reservation = z.infer<typeof reservationSchema>;
export type ReservationRequest = z.input<typeof createReservationBody>;
export type Order = z.infer<typeof orderSchema>;
export type OrderList = z.infer<typeof orderListSchema>;
export type Ticket = z.infer<typeof ticketSchema>;
export type TicketAdmitted = z.infer<typeof validateTicketResponse>;
export type Listing = z.infer<typeof listingSchema>;
export type ListingList = z.infer<typeof listingListSchema>;
export type ListingPurchase = z.infer<typeof purchaseResponse>;
export type TicketList = z.infer<typeof ticketListSchema>;
