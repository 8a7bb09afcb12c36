import type { JSX } from 'preact';
import type { WaitingRoom } from '../live/use-waiting-room';
import { formatWait } from '../format';
import { Notice } from './notice';

/** Where the fan stands in the line; the page moves on by itself when they are let in. */
export function WaitingRoomPanel({ room }: { room: WaitingRoom }): JSX.Element {
  const status = room.status;
  return (
    <section class="waiting-room" aria-labelledby="room-title" data-testid="waiting-room">
      <h2 id="room-title">Waiting room</h2>
      <p>This event is in high demand: fans are let in to buy in the order they arrived. Keep this page open — it moves on by itself.</p>
      {!status && !room.error && <p>Joining the line…</p>}
      {status?.state === 'WAITING' && (
        <div role="status" class="queue-position">
          <p>
            You are number <strong data-testid="queue-position">{status.position}</strong> of {status.total} in line.
          </p>
          <p>Estimated wait: about {formatWait(status.estimated_wait_seconds)}.</p>
        </div>
      )}
      {status?.state === 'PRE_QUEUE' && (
        <div role="status" class="queue-position" data-testid="pre-queue">
          <p>
            The sale opens at <strong>{new Date(status.opens_at).toLocaleString()}</strong>. You are in the pre-queue: when it opens,
            everyone here is given a place in line at random, ahead of everyone who comes later — arriving earlier earns no better place.
          </p>
        </div>
      )}
      {status?.state === 'NOT_IN_QUEUE' && <p role="status">Your turn lapsed before you held any seats; joining the line again…</p>}
      {status?.state === 'SOLD_OUT' && <Notice kind="info">Every ticket is sold for now. You keep your place: if tickets come back, the line moves on.</Notice>}
      {status?.state === 'CLOSED' && <Notice kind="info">The sale is closed: the event was cancelled or has started.</Notice>}
      {room.error && <Notice kind="error">{room.error}</Notice>}
    </section>
  );
}
