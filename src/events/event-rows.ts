import type { EventView } from '../api/openapi/event-schemas';

/** An event with its venue's name and city, as the event queries select it (EVENT_COLUMNS). */
export interface EventRow {
  id: string;
  venue_id: string;
  name: string;
  category: string | null;
  artist: string | null;
  starts_at: Date;
  on_sale_at: Date;
  status: 'SCHEDULED' | 'CANCELLED';
  hold_duration_seconds: number;
  max_hold_extensions: number;
  max_tickets_per_order: number;
  high_demand: boolean;
  resale_allowed: boolean;
  resale_max_price_percent: number;
  resale_fee_percent: number;
  created_at: Date;
  venue_name: string;
  venue_city: string;
}

/** Selected from `events e JOIN venues v ON v.id = e.venue_id`. */
export const EVENT_COLUMNS = `e.id, e.venue_id, e.name, e.category, e.artist, e.starts_at, e.on_sale_at, e.status,
  e.hold_duration_seconds, e.max_hold_extensions, e.max_tickets_per_order, e.high_demand,
  e.resale_allowed, e.resale_max_price_percent, e.resale_fee_percent, e.created_at,
  v.name AS venue_name, v.city AS venue_city`;

export function toEventFields(row: EventRow): Omit<EventView, 'sections' | 'total_available' | 'presales' | 'pricing'> {
  return {
    id: row.id,
    venue_id: row.venue_id,
    name: row.name,
    category: row.category,
    artist: row.artist,
    starts_at: row.starts_at.toISOString(),
    on_sale_at: row.on_sale_at.toISOString(),
    status: row.status,
    hold_duration_seconds: row.hold_duration_seconds,
    max_hold_extensions: row.max_hold_extensions,
    max_tickets_per_order: row.max_tickets_per_order,
    high_demand: row.high_demand,
    resale: { allowed: row.resale_allowed, max_price_percent: row.resale_max_price_percent, fee_percent: row.resale_fee_percent },
    created_at: row.created_at.toISOString(),
    venue: { id: row.venue_id, name: row.venue_name, city: row.venue_city },
  };
}
