import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { get } from '../api/client';
import { canBuy, useSession } from '../api/session';
import type { EventDetail } from '../api/types';
import { Notice } from '../components/notice';
import { LoginLink } from '../components/require-login';
import { ResaleListings } from '../components/resale-listings';
import { SeatPicker } from '../components/seat-picker';
import { WaitingRoomPanel } from '../components/waiting-room-panel';
import { fanMessage } from '../error-messages';
import { formatDateTime, formatTimeOfDay } from '../format';
import { useWaitingRoom } from '../live/use-waiting-room';

/** One event: its details, then (past the waiting room of a high-demand sale) the seats. */
export function EventPage({ eventId }: { eventId: string }): JSX.Element {
  const session = useSession();
  const [event, setEvent] = useState<EventDetail | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    setEvent(null);
    get<EventDetail>(`/events/${encodeURIComponent(eventId)}`)
      .then(setEvent)
      .catch((err: unknown) => setError(fanMessage(err)));
  }, [eventId]);

  const buyer = canBuy(session);
  const room = useWaitingRoom(eventId, Boolean(event?.high_demand && event.status === 'SCHEDULED') && buyer);
  const admission = room.status?.state === 'ADMITTED' ? room.status : null;

  if (error) return <Notice kind="error">{error}</Notice>;
  if (!event) return <p>Loading the event…</p>;
  const waiting = event.high_demand && buyer && !admission;
  return (
    <section>
      <h1>{event.name}</h1>
      <p>
        {formatDateTime(event.starts_at)} · {event.venue.name}, {event.venue.city}
        {event.artist && <> · {event.artist}</>}
      </p>
      {event.status === 'CANCELLED' && <Notice kind="error">This event was cancelled.</Notice>}
      {!session && (
        <p>
          <LoginLink>Log in to buy tickets</LoginLink>
        </p>
      )}
      {admission && (
        <Notice kind="success" testId="admitted">
          It is your turn! Hold your seats before {formatTimeOfDay(admission.expires_at)}.
        </Notice>
      )}
      {waiting ? (
        <WaitingRoomPanel room={room} />
      ) : (
        <SeatPicker event={event} canHold={buyer && event.status === 'SCHEDULED'} queueToken={admission?.queue_token ?? null} />
      )}
      <ResaleListings event={event} canBuy={buyer} />
    </section>
  );
}
