import type { Client } from '@temporalio/client';
import type { Redis } from 'ioredis';
import type { ReservationView } from '../domain/reservation';
import { announceInventoryChange } from '../inventory/inventory-signals';
import type { WaitlistOffer } from '../waitlist/offer-places';
import type { AppMetrics } from './app-metrics';
import { startOfferWorkflows, type OfferSettings } from './offer-workflows';

/** The places of a reservation, as a change names them. */
export function touched(view: ReservationView): { eventId: string; seatIds: string[]; gaSectionIds: string[] } {
  return { eventId: view.event_id, seatIds: view.seats.map((s) => s.seat_id), gaSectionIds: view.ga.map((g) => g.section_id) };
}

export function countItems(view: ReservationView): number {
  return view.seats.length + view.ga.reduce((sum, g) => sum + g.quantity, 0);
}

/**
 * Freed places that became waiting-list holds: announced (once, by the call that made them) and handed
 * to reservation workflows of their own (by every call, which is harmless: see startOfferWorkflows).
 */
export function offerTakeOver(deps: { redis: Redis; temporal: Client; offerSettings: OfferSettings; metrics: AppMetrics }) {
  return async function takeOver(offers: WaitlistOffer[], madeNow: boolean): Promise<void> {
    if (offers.length === 0) return;
    if (madeNow) {
      const places = offers.reduce((sum, o) => sum + o.seatIds.length + o.ga.reduce((n, g) => n + g.quantity, 0), 0);
      deps.metrics.placesHeld.add(places);
      await announceInventoryChange(deps.redis, {
        eventId: offers[0]!.eventId,
        counter: 'holds',
        amount: places,
        cause: 'offer',
        seatIds: offers.flatMap((o) => o.seatIds),
        gaSectionIds: offers.flatMap((o) => o.ga.map((g) => g.section_id)),
      });
    }
    await startOfferWorkflows(deps.temporal, deps.offerSettings, offers);
  };
}
