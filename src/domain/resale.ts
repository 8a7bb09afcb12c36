/**
 * Resale shapes shared by the API, the activities and the listing workflow.
 * Pure types and constants only: this module is bundled into workflow code.
 */
import type { Ticket } from './reservation';

export const LISTING_STATUSES = ['LISTED', 'SOLD', 'WITHDRAWN', 'EXPIRED'] as const;
export type ListingStatus = (typeof LISTING_STATUSES)[number];

/** The listing as the HTTP contract shows it, with what a buyer reads on it (section, row, seat, face value). */
export interface ListingView {
  listing_id: string;
  ticket_id: string;
  event_id: string;
  section_id: string;
  seat_id: string | null;
  section_name: string;
  row: string | null;
  number: number | null;
  face_value_cents: number;
  price_cents: number;
  fee_cents: number;
  seller_payout_cents: number;
  status: ListingStatus;
  listed_at: string;
  expires_at: string;
  closed_at: string | null;
}

/** An event's resale rules (contract: `resale` on POST /events and in the event). */
export interface ResaleRules {
  allowed: boolean;
  max_price_percent: number;
  fee_percent: number;
}

/** What the API passes to a new listing workflow. */
export interface ResaleListingInput {
  listingId: string;
  ticketId: string;
  /** The ticket's owner, who is paid; the listing is theirs whoever asked (an admin may list for them). */
  sellerId: string;
  /** Whoever asked: the owner, or an admin listing it for them. */
  requesterId: string;
  requesterRole: string;
  priceCents: number;
}

export interface PurchaseRequest {
  buyerId: string;
  paymentMethodId: string;
  /** The client's X-Idempotency-Key, if any: a retry gets the first final answer. */
  idempotencyKey: string | null;
}

/** A purchase's answer: the SOLD listing and the buyer's new ticket. */
export interface PurchaseResult {
  listing: ListingView;
  ticket: Ticket;
}

export interface WithdrawRequest {
  /** `user:<id>` of the seller or an admin. */
  actor: string;
  reason: 'SELLER' | 'ADMIN';
}

/** A listing closed outside its workflow (a scan at the door, an order's refund, the event's cancellation). */
export interface ListingClosed {
  status: 'WITHDRAWN';
  reason: string;
}

/** How a listing workflow ended. */
export interface ResaleListingOutcome {
  listingId: string;
  status: ListingStatus;
  /** For a SOLD listing: the payout that paid its seller. */
  payoutId: string | null;
}
