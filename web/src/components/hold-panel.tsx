import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { del, post } from '../api/client';
import type { Reservation } from '../api/types';
import { fanMessage, isCode } from '../error-messages';
import { formatCountdown, formatMoney, formatTimeOfDay, msUntil } from '../format';
import { CheckoutForm } from './checkout-form';
import { Notice } from './notice';

interface Props {
  reservation: Reservation;
  /** Names of the sections, for the summary. */
  sectionNames: ReadonlyMap<string, string>;
  onChange(reservation: Reservation): void;
  onPaid(reservation: Reservation): void;
  /** The hold is over without a sale (ran out, cancelled, declined too often): why, for the fan. */
  onReleased(message: string): void;
}

/** The fan's hold: what is held, until when (counting down), more time, let go, and pay. */
export function HoldPanel({ reservation, sectionNames, onChange, onPaid, onReleased }: Props): JSX.Element {
  const [left, setLeft] = useState(() => msUntil(reservation.held_until));
  const [paying, setPaying] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    const tick = (): void => setLeft(msUntil(reservation.held_until));
    tick();
    const timer = setInterval(tick, 250);
    return () => clearInterval(timer);
  }, [reservation.held_until]);

  // The server's timer releases the hold at held_until; a payment under way has the last word.
  useEffect(() => {
    if (left === 0 && !paying) onReleased('Your hold ran out and the seats went back on sale. Pick them again if they are still free.');
  }, [left, paying]);

  const act = async (action: () => Promise<void>): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      await action();
    } catch (err) {
      if (isCode(err, 'RESERVATION_EXPIRED') || isCode(err, 'RESERVATION_CANCELLED')) onReleased(fanMessage(err));
      else setError(fanMessage(err));
    } finally {
      setBusy(false);
    }
  };
  const path = `/reservations/${reservation.reservation_id}`;
  const extend = (): Promise<void> => act(async () => onChange(await post<Reservation>(`${path}/extend`)));
  const cancel = (): Promise<void> =>
    act(async () => {
      await del<Reservation>(path);
      onReleased('You let the hold go; the seats are back on sale.');
    });
  const extensionsLeft = reservation.max_hold_extensions - reservation.extensions_used;

  return (
    <section class="hold" aria-labelledby="hold-title">
      <h2 id="hold-title">Your hold</h2>
      <ul class="held-items">
        {reservation.seats.map((s) => (
          <li key={s.seat_id}>
            {sectionNames.get(s.section_id) ?? 'Seat'}, row {s.row}, seat {s.number} · {formatMoney(s.price_cents)}
          </li>
        ))}
        {reservation.ga.map((g) => (
          <li key={g.section_id}>
            {g.quantity} × {sectionNames.get(g.section_id) ?? 'Standing'} · {formatMoney(g.price_cents * g.quantity)}
          </li>
        ))}
      </ul>
      <p class="countdown">
        <span>Held for</span>{' '}
        {/* Read out once a minute would be too chatty every second: the timer itself is not live. */}
        <strong data-testid="countdown" aria-label={`time left ${formatCountdown(left)}`}>
          {formatCountdown(left)}
        </strong>{' '}
        <span class="muted">(until {formatTimeOfDay(reservation.held_until)})</span>
      </p>
      {error && <Notice kind="error">{error}</Notice>}
      <div class="actions">
        <button type="button" onClick={() => void extend()} disabled={busy || paying || extensionsLeft <= 0}>
          {extensionsLeft > 0 ? 'More time' : 'No more extensions'}
        </button>
        <button type="button" onClick={() => void cancel()} disabled={busy || paying}>
          Cancel hold
        </button>
      </div>
      <CheckoutForm reservation={reservation} onPaying={setPaying} onChange={onChange} onPaid={onPaid} onReleased={onReleased} />
    </section>
  );
}
