import type { HttpClient } from './http';
import type { ApiEvent, Buyer } from './scenario';

/** A buyer holds and pays through the API (not the page): the order and its tickets, with their codes. */
export async function buyThroughApi(api: HttpClient, buyer: Buyer, event: ApiEvent, hold: { seat_ids?: string[]; ga?: Array<{ section_id: string; quantity: number }> }, headers: Record<string, string> = {}) {
  const held = await api.post('/api/v1/reservations', { event_id: event.eventId, ...hold }, { token: buyer.token, headers });
  if (held.status !== 201) throw new Error(`hold: ${held.status} ${JSON.stringify(held.body)}`);
  const paid = await api.post(`/api/v1/reservations/${held.body.reservation_id}/confirm`, { payment_method_id: 'pm_card_visa' }, { token: buyer.token });
  if (paid.status !== 200) throw new Error(`confirm: ${paid.status} ${JSON.stringify(paid.body)}`);
  return paid.body as { order_id: string; tickets: Array<{ ticket_id: string; qr_code: string }> };
}
