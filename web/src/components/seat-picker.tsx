import type { JSX } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { get, idempotencyKey, post, ApiError } from '../api/client';
import type { EventDetail, Reservation, ReservationRequest } from '../api/types';
import { fanMessage, isCode } from '../error-messages';
import { useSeatMap } from '../live/use-seat-map';
import { Link } from '../router';
import { HoldPanel } from './hold-panel';
import { Notice } from './notice';
import { SeatMapView } from './seat-map';
import { TicketCard } from './ticket-card';

interface Props {
  event: EventDetail;
  /** False when the fan may only look (not logged in, or a scanner account). */
  canHold: boolean;
  /** The waiting room's admission, sent with the hold of a high-demand event. */
  queueToken: string | null;
}

/** A reload keeps the fan's hold on screen (this tab only). */
const holdKey = (eventId: string): string => `tickets.hold.${eventId}`;

/** The live map, the fan's picks, their hold and its checkout, and what they bought. */
export function SeatPicker({ event, canHold, queueToken }: Props): JSX.Element {
  const { map, error: mapError, live } = useSeatMap(event.id);
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [ga, setGa] = useState<Record<string, number>>({});
  const [hold, setHold] = useState<Reservation | null>(null);
  const [paid, setPaid] = useState<Reservation | null>(null);
  const [message, setMessage] = useState<{ kind: 'error' | 'info'; text: string } | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    const saved = sessionStorage.getItem(holdKey(event.id));
    if (!saved || !canHold) return;
    get<Reservation>(`/reservations/${saved}`)
      .then((r) => (r.status === 'HELD' ? setHold(r) : sessionStorage.removeItem(holdKey(event.id))))
      .catch(() => sessionStorage.removeItem(holdKey(event.id)));
  }, [event.id, canHold]);

  // A pick someone else has just taken is no longer the fan's pick. While the fan's own hold is on its
  // way, the stream may tell of it before the answer does: that is not someone else.
  useEffect(() => {
    if (!map || selected.size === 0 || busy) return;
    const free = new Set(map.sections.flatMap((s) => (s.kind === 'SEATED' ? s.seats.filter((seat) => seat.status === 'AVAILABLE').map((seat) => seat.seat_id) : [])));
    const still = [...selected].filter((id) => free.has(id));
    if (still.length !== selected.size) {
      setSelected(new Set(still));
      setMessage({ kind: 'info', text: 'A seat you picked was just taken by another fan.' });
    }
  }, [map, busy]);

  const sectionNames = useMemo(() => new Map(map?.sections.map((s) => [s.section_id, s.name]) ?? []), [map]);
  const mine = useMemo(() => new Set(hold?.seats.map((s) => s.seat_id) ?? []), [hold]);
  const count = selected.size + Object.values(ga).reduce((a, b) => a + b, 0);
  const tooMany = count > event.max_tickets_per_order;

  const toggle = (seatId: string): void => {
    const next = new Set(selected);
    if (!next.delete(seatId)) next.add(seatId);
    setSelected(next);
    setMessage(null);
  };

  const holdPicks = async (): Promise<void> => {
    setBusy(true);
    setMessage(null);
    const body: ReservationRequest = {
      event_id: event.id,
      seat_ids: [...selected],
      ga: Object.entries(ga).filter(([, q]) => q > 0).map(([section_id, quantity]) => ({ section_id, quantity })),
    };
    try {
      const reservation = await post<Reservation>('/reservations', body, { ...idempotencyKey(), ...(queueToken ? { 'X-Queue-Token': queueToken } : {}) });
      sessionStorage.setItem(holdKey(event.id), reservation.reservation_id);
      setHold(reservation);
      setSelected(new Set());
      setGa({});
    } catch (err) {
      if (isCode(err, 'SEATS_UNAVAILABLE') && err instanceof ApiError && Array.isArray(err.body.unavailable_seats)) {
        const taken = new Set(err.body.unavailable_seats as string[]);
        setSelected(new Set([...selected].filter((id) => !taken.has(id))));
      }
      setMessage({ kind: 'error', text: fanMessage(err) });
    } finally {
      setBusy(false);
    }
  };

  const ended = (text: string): void => {
    sessionStorage.removeItem(holdKey(event.id));
    setHold(null);
    setMessage({ kind: 'error', text });
  };
  const done = (reservation: Reservation): void => {
    sessionStorage.removeItem(holdKey(event.id));
    setHold(null);
    setPaid(reservation);
  };

  if (paid) {
    return (
      <section class="confirmation" aria-labelledby="paid-title">
        <h2 id="paid-title">Paid — enjoy the show!</h2>
        <Notice kind="success" testId="paid">Your order is confirmed. Show the QR code at the door.</Notice>
        <div class="tickets">
          {paid.tickets.map((t) => (
            <TicketCard key={t.ticket_id} ticket={t} />
          ))}
        </div>
        <p>
          <Link href="/tickets">All my tickets</Link>
        </p>
      </section>
    );
  }

  return (
    <div class="picker">
      {message && <Notice kind={message.kind} testId="picker-message">{message.text}</Notice>}
      {hold && <HoldPanel reservation={hold} sectionNames={sectionNames} onChange={setHold} onPaid={done} onReleased={ended} />}
      <section aria-labelledby="map-title">
        <h2 id="map-title">
          Seat map <span class={`live-dot ${live ? 'on' : ''}`} data-testid="live">{live ? 'live' : 'connecting…'}</span>
        </h2>
        {mapError && <Notice kind="error">{mapError}</Notice>}
        {!map && !mapError && <p>Loading the seat map…</p>}
        {map && (
          <SeatMapView
            map={map}
            choice={{
              selected,
              mine,
              gaQuantities: ga,
              choosing: canHold && !hold,
              onToggleSeat: toggle,
              onGaQuantity: (sectionId, quantity) => setGa({ ...ga, [sectionId]: quantity }),
            }}
          />
        )}
      </section>
      {canHold && !hold && (
        <div class="hold-bar">
          <p>
            {count === 0 ? 'Pick seats or a number of standing tickets.' : `${count} ${count === 1 ? 'ticket' : 'tickets'} picked.`}
            {tooMany && ` At most ${event.max_tickets_per_order} per order.`}
          </p>
          <button type="button" class="primary" disabled={busy || count === 0 || tooMany} onClick={() => void holdPicks()}>
            Hold {count > 0 ? count : ''} {count === 1 ? 'ticket' : 'tickets'}
          </button>
        </div>
      )}
    </div>
  );
}
