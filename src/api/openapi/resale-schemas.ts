import { LISTING_STATUSES } from '../../domain/resale';
import { ticketSchema } from './order-schemas';
import { z } from './registry';
import { confirmBody } from './reservation-schemas';

export const listingSchema = z
  .object({
    listing_id: z.string().uuid(),
    ticket_id: z.string().uuid().openapi({ description: "the seller's ticket (RESOLD once the listing is sold)" }),
    event_id: z.string().uuid(),
    section_id: z.string().uuid(),
    seat_id: z.string().uuid().nullable().openapi({ description: 'null for a general-admission ticket' }),
    section_name: z.string(),
    row: z.string().nullable(),
    number: z.number().int().nullable(),
    face_value_cents: z.number().int().openapi({ description: "what the ticket's place first sold for" }),
    price_cents: z.number().int().openapi({ description: 'what the buyer pays' }),
    fee_cents: z.number().int().openapi({ description: "kept by the organiser (the event's resale.fee_percent of the price)" }),
    seller_payout_cents: z.number().int().openapi({ description: 'price_cents - fee_cents, paid to the seller once the listing is sold' }),
    status: z.enum(LISTING_STATUSES).openapi({ description: 'LISTED until sold, withdrawn (by the seller, an admin, a scan at the door, a refund or a cancellation) or expired' }),
    listed_at: z.string().datetime(),
    expires_at: z.string().datetime().openapi({ description: "the event's start: the listing expires by itself then" }),
    closed_at: z.string().datetime().nullable(),
  })
  .openapi('Listing');

export const listingListSchema = z.object({ listings: z.array(listingSchema).openapi({ description: 'LISTED only, cheapest first' }) }).openapi('ListingList');

export const createListingBody = z
  .object({ price_cents: z.number().int().min(0).max(100_000_000).openapi({ description: "at most the event's resale.max_price_percent of the face value" }) })
  .openapi('CreateListingRequest');

export const eventListingsQuery = z.object({
  section_id: z.string().uuid().optional().openapi({ description: 'only this section', param: { allowEmptyValue: true } }),
  limit: z.coerce.number().int().min(1).max(200).default(100),
});

export const purchaseListingBody = confirmBody.openapi('PurchaseListingRequest');

export const purchaseResponse = z
  .object({
    listing: listingSchema.openapi({ description: 'SOLD' }),
    ticket: ticketSchema.openapi({ description: "the buyer's new ticket, with a new signed code" }),
  })
  .openapi('ListingPurchase');
