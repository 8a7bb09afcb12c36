/**
 * Paid orders and open holds of one event, made through the public API as buyers make them (hold,
 * then confirm with the simulated card), so the cancellation has real orders, payments and tickets
 * to undo.
 */
import { mapWithConcurrency } from '../../src/shared/concurrency';
import { expectStatus, stringField, type ApiClient, type JsonResponse } from './bench-http';
import { type Buyer, type SaleEvent, type SaleShape } from './bench-setup';

/** Several buyers' requests at once, as in a sale, without queueing behind the two cores. */
const CONCURRENCY = 12;
/** A hold nobody pays: long enough to still be live when the event is cancelled. */
const OPEN_HOLD_SECONDS = 1800;
/** 503 (admission limit, a dependency down) and 429 changed nothing (docs/api-contract.md): asked again after Retry-After's 1 s. */
const RETRIES = 8;

type HoldBody = { seat_ids?: string[]; ga?: Array<{ section_id: string; quantity: number }>; hold_duration_seconds?: number };

export interface MadeOrders {
  orders: number;
  seatTickets: number;
  gaTickets: number;
  elapsedMs: number;
}

/** Hands out the event's seats in order, each once, so no two requests of the bench ever compete for one. */
export class SeatPool {
  private next = 0;
  constructor(private readonly seatIds: readonly string[]) {}

  take(n: number): string[] {
    if (this.next + n > this.seatIds.length) throw new Error(`the event has ${this.seatIds.length} seats; the bench needs more`);
    return this.seatIds.slice(this.next, (this.next += n));
  }
}

/** Seats the mix of `orders` orders and `holds` holds uses at most (see orderBody and holdBody). */
export function seatsNeeded(orders: number, holds: number): number {
  return Math.ceil(orders / 3) * 3 + Math.ceil(holds / 2);
}

/** A third two seats, a third two GA, a third one seat and one GA: both kinds of refund, and mixed orders. */
function orderBody(i: number, seats: SeatPool, gaSectionId: string): HoldBody {
  switch (i % 3) {
    case 0:
      return { seat_ids: seats.take(2) };
    case 1:
      return { ga: [{ section_id: gaSectionId, quantity: 2 }] };
    default:
      return { seat_ids: seats.take(1), ga: [{ section_id: gaSectionId, quantity: 1 }] };
  }
}

async function patiently(call: () => Promise<JsonResponse>): Promise<JsonResponse> {
  for (let attempt = 0; ; attempt++) {
    const res = await call();
    if ((res.status !== 503 && res.status !== 429) || attempt >= RETRIES) return res;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

async function hold(api: ApiClient, eventId: string, buyer: Buyer, body: HoldBody): Promise<string> {
  const res = await patiently(() => api.call('POST', '/api/v1/reservations', { event_id: eventId, ...body }, buyer.token));
  const reservationId = stringField(expectStatus(res, 201, 'hold'), 'reservation_id');
  if (!reservationId) throw new Error(`hold: no reservation_id in ${JSON.stringify(res.body).slice(0, 300)}`);
  return reservationId;
}

async function buy(api: ApiClient, eventId: string, buyer: Buyer, body: HoldBody): Promise<string> {
  const reservationId = await hold(api, eventId, buyer, body);
  const res = await patiently(() => api.call('POST', `/api/v1/reservations/${reservationId}/confirm`, { payment_method_id: 'pm_card_visa' }, buyer.token));
  const paid = expectStatus(res, 200, 'confirm');
  if (stringField(paid, 'status') !== 'CONFIRMED') throw new Error(`confirm of ${reservationId}: ${JSON.stringify(paid).slice(0, 300)}`);
  return reservationId;
}

/** `count` confirmed orders, buyer i % buyers placing order i; each buyer ends up with several. */
export async function makeOrders(api: ApiClient, shape: SaleShape, event: SaleEvent, seats: SeatPool, buyers: Buyer[], count: number): Promise<MadeOrders> {
  const started = performance.now();
  const bodies = Array.from({ length: count }, (_, i) => orderBody(i, seats, shape.gaSectionId));
  await mapWithConcurrency(bodies, CONCURRENCY, (body, i) => buy(api, event.eventId, buyers[i % buyers.length] as Buyer, body));
  const seatTickets = bodies.reduce((n, b) => n + (b.seat_ids?.length ?? 0), 0);
  const gaTickets = bodies.reduce((n, b) => n + (b.ga?.reduce((m, g) => m + g.quantity, 0) ?? 0), 0);
  return { orders: count, seatTickets, gaTickets, elapsedMs: performance.now() - started };
}

/** `count` holds that nobody pays, half a seat, half two GA places; returns their reservation ids. */
export function makeOpenHolds(api: ApiClient, shape: SaleShape, event: SaleEvent, seats: SeatPool, buyers: Buyer[], count: number): Promise<string[]> {
  const bodies: HoldBody[] = Array.from({ length: count }, (_, i) =>
    i % 2 === 0
      ? { seat_ids: seats.take(1), hold_duration_seconds: OPEN_HOLD_SECONDS }
      : { ga: [{ section_id: shape.gaSectionId, quantity: 2 }], hold_duration_seconds: OPEN_HOLD_SECONDS },
  );
  return mapWithConcurrency(bodies, CONCURRENCY, (body, i) => hold(api, event.eventId, buyers[(i * 7) % buyers.length] as Buyer, body));
}
