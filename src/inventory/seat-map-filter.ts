import type { SeatMapView, SeatStatus } from '../api/openapi/event-schemas';

export interface SeatMapFilter {
  section_id?: string;
  status?: SeatStatus;
}

/** One section only, or seats in one status only; GA sections are kept whatever the status asked. */
export function applyFilter(map: SeatMapView, filter: SeatMapFilter): SeatMapView {
  if (!filter.section_id && !filter.status) return map;
  const sectionId = filter.section_id?.toLowerCase();
  const sections = map.sections
    .filter((s) => !sectionId || s.section_id === sectionId)
    .map((s) => (s.kind === 'SEATED' && filter.status ? { ...s, seats: s.seats.filter((seat) => seat.status === filter.status) } : s));
  return { ...map, sections, total_available: sections.reduce((sum, s) => sum + s.available_count, 0) };
}
