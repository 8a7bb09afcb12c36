import type { MetricMeter } from '@temporalio/common';
import { Runtime } from '@temporalio/worker';

/**
 * The sale as it happens, counted where it happens (in the worker, by the activities) and exported
 * with the SDK's own metrics on the worker's Prometheus endpoint. Each worker process counts its own;
 * Prometheus sums them. Without a metrics exporter (tests) recording costs nothing.
 */
export function createAppMetrics(meter: MetricMeter = Runtime.instance().metricMeter) {
  return {
    placesHeld: meter.createCounter('ticketing_places_held', 'places', 'seats and GA places held'),
    placesReleased: meter.createCounter('ticketing_places_released', 'places', 'seats and GA places given back, by cause (HOLD_EXPIRED, CANCELLED_BY_USER, …)'),
    placesSold: meter.createCounter('ticketing_places_sold', 'places', 'seats and GA places sold'),
    placesRefunded: meter.createCounter('ticketing_places_refunded', 'places', 'sold seats and GA places put back on sale by a refund'),
    holdsRefused: meter.createCounter('ticketing_holds_refused', 'holds', 'holds refused, by contract code (SEATS_UNAVAILABLE, …)'),
    payments: meter.createCounter('ticketing_payments', 'payments', 'payment outcomes: captured, declined, unknown (settled by key), refunded'),
    releaseLag: meter.createHistogram('ticketing_release_lag_seconds', 'float', 's', 'how long after held_until an expired hold was released'),
  };
}

export type AppMetrics = ReturnType<typeof createAppMetrics>;
