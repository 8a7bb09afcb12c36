import { useEffect, useState } from 'preact/hooks';
import { API_BASE, request } from '../api/client';
import type { InventoryChange, PriceChange, SeatMap } from '../api/types';
import { fanMessage } from '../error-messages';
import { applyChange, applyPriceChange } from './apply-change';

export interface LiveSeatMap {
  map: SeatMap | null;
  error: string | null;
  /** The stream is connected; while it is not, the browser reconnects by itself and catches up. */
  live: boolean;
}

/**
 * The event's seat map, kept current by the API's Server-Sent Events: the map is loaded once and the
 * stream opened from its X-Last-Event-Id, so every change after it arrives, none twice — seats and
 * counts (`inventory`), and a DEMAND-priced event's prices and next change (`price`). No polling.
 */
export function useSeatMap(eventId: string): LiveSeatMap {
  const [state, setState] = useState<LiveSeatMap>({ map: null, error: null, live: false });
  useEffect(() => {
    let stream: EventSource | null = null;
    let stopped = false;

    const open = async (): Promise<void> => {
      stream?.close();
      let position: string | null;
      try {
        const answer = await request<SeatMap>('GET', `/events/${encodeURIComponent(eventId)}/seats`);
        if (stopped) return;
        position = answer.headers.get('x-last-event-id');
        setState((s) => ({ ...s, map: answer.data, error: null }));
      } catch (err) {
        if (!stopped) setState((s) => ({ ...s, error: fanMessage(err) }));
        return;
      }
      const from = position ? `?last_event_id=${encodeURIComponent(position)}` : '';
      const source = new EventSource(`${API_BASE}/events/${encodeURIComponent(eventId)}/stream${from}`);
      stream = source;
      source.addEventListener('open', () => setState((s) => ({ ...s, live: true })));
      source.addEventListener('error', () => setState((s) => ({ ...s, live: false })));
      source.addEventListener('inventory', (e) => {
        const change = JSON.parse((e as MessageEvent<string>).data) as InventoryChange;
        setState((s) => (s.map ? { ...s, map: applyChange(s.map, change) } : s));
      });
      source.addEventListener('price', (e) => {
        const change = JSON.parse((e as MessageEvent<string>).data) as PriceChange;
        setState((s) => (s.map ? { ...s, map: applyPriceChange(s.map, change) } : s));
      });
      // Changes were missed (too far behind): start again from a fresh map.
      source.addEventListener('reload', () => void open());
    };

    void open();
    return () => {
      stopped = true;
      stream?.close();
    };
  }, [eventId]);
  return state;
}
