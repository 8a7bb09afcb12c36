/**
 * The resale listing workflow's public surface, defined once for the API, the activities that close
 * listings (a scan, a refund, a cancellation) and the workflow.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { ListingClosed, ListingView, PurchaseRequest, PurchaseResult, WithdrawRequest } from '../domain/resale';

/** The listing as it was opened; the API runs it with update-with-start, so POST /tickets/{id}/resale answers at once. */
export const openListingUpdate = defineUpdate<ListingView, []>('openListing');
/** A buyer pays; refused before anything is written when it is the seller's own or no longer LISTED. */
export const purchaseListingUpdate = defineUpdate<PurchaseResult, [PurchaseRequest]>('purchase');
export const withdrawListingUpdate = defineUpdate<ListingView, [WithdrawRequest]>('withdraw');
/** The listing was withdrawn in PostgreSQL by something else (the door, an order's refund, the event's cancellation). */
export const listingClosedSignal = defineSignal<[ListingClosed]>('listingClosed');
/** `temporal workflow query -w resale-listing-<id> --type listing`. */
export const listingQuery = defineQuery<ListingView | null>('listing');
