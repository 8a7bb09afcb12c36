import type { InventoryChange, PriceChange, SeatMap } from '../api/types';

/** The map after one change of the live stream: touched seats and section counts, the rest shared as is. */
export function applyChange(map: SeatMap, change: InventoryChange): SeatMap {
  const seatStatus = new Map(change.seats.map((s) => [s.seat_id, s.status]));
  const counts = new Map(change.sections.map((s) => [s.section_id, s.available_count]));
  const sections = map.sections.map((section) => {
    const available = counts.get(section.section_id);
    const touchesSeats = section.kind === 'SEATED' && change.seats.some((s) => s.section_id === section.section_id);
    if (available === undefined && !touchesSeats) return section;
    const next = { ...section, available_count: available ?? section.available_count };
    if (next.kind === 'SEATED' && touchesSeats) {
      next.seats = next.seats.map((seat) => {
        const status = seatStatus.get(seat.seat_id);
        return status && status !== seat.status ? { ...seat, status } : seat;
      });
    }
    return next;
  });
  return { ...map, sections, total_available: sections.reduce((sum, s) => sum + s.available_count, 0) };
}

/** The map after a `price` event (DEMAND pricing): the named sections' prices and next change, the rest as is. */
export function applyPriceChange(map: SeatMap, change: PriceChange): SeatMap {
  const prices = new Map(change.sections.map((s) => [s.section_id, s]));
  const sections = map.sections.map((section) => {
    const price = prices.get(section.section_id);
    return price ? { ...section, price_cents: price.price_cents, next_price_change_at: price.next_price_change_at } : section;
  });
  return { ...map, sections };
}
