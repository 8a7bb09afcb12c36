import { useEffect, useState } from 'preact/hooks';
import { ApiError, get, post } from '../api/client';
import type { QueueStatus } from '../api/types';
import { fanMessage } from '../error-messages';
import { msUntil } from '../format';

export interface WaitingRoom {
  status: QueueStatus | null;
  error: string | null;
}

/** When the server gives no hint (an error without Retry-After), ask again after this long. */
const FALLBACK_RETRY_MS = 5000;

/**
 * The fan's place in a high-demand event's waiting room: joins once, then asks for the status only
 * when the server says it is worth it (poll_after_seconds: 1 near the front, up to 30 far back), and
 * stops once admitted. Joining again keeps the place, so a reload loses nothing.
 */
export function useWaitingRoom(eventId: string, enabled: boolean): WaitingRoom {
  const [room, setRoom] = useState<WaitingRoom>({ status: null, error: null });
  useEffect(() => {
    if (!enabled) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    const path = `/queue/${encodeURIComponent(eventId)}`;

    const step = async (ask: () => Promise<QueueStatus>): Promise<void> => {
      try {
        const status = await ask();
        if (stopped) return;
        setRoom({ status, error: null });
        if (status.state === 'WAITING' || status.state === 'PRE_QUEUE') timer = setTimeout(() => void step(() => get(`${path}/status`)), status.poll_after_seconds * 1000);
        // Tickets may come back (a refund, a lapsed hold): the fan keeps their place meanwhile.
        else if (status.state === 'SOLD_OUT') timer = setTimeout(() => void step(() => get(`${path}/status`)), 30_000);
        // The admission lapses at expires_at: the room then says where the fan stands.
        else if (status.state === 'ADMITTED') timer = setTimeout(() => void step(() => get(`${path}/status`)), msUntil(status.expires_at) + 1000);
        else if (status.state === 'NOT_IN_QUEUE') timer = setTimeout(() => void step(() => post(`${path}/join`)), 1000);
      } catch (err) {
        if (stopped) return;
        setRoom((r) => ({ ...r, error: fanMessage(err) }));
        // Only a passing trouble (no answer, too many requests, a dependency down) is worth asking again.
        const passing = err instanceof ApiError && (err.status === 0 || err.status === 429 || err.status >= 500);
        if (!passing) return;
        const wait = err instanceof ApiError && err.retryAfterSeconds ? err.retryAfterSeconds * 1000 : FALLBACK_RETRY_MS;
        timer = setTimeout(() => void step(() => post(`${path}/join`)), wait);
      }
    };

    void step(() => post(`${path}/join`));
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [eventId, enabled]);
  return room;
}
