import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { get, idempotencyKey, post } from '../api/client';
import type { Reservation } from '../api/types';
import { fanMessage, isCode } from '../error-messages';
import { formatMoney } from '../format';
import { Notice } from './notice';

/** The simulated provider's cards (../shared/API.md): what each one does is part of its name here. */
export const CARDS = [
  { id: 'pm_card_visa', label: 'Visa ending 4242 — approved' },
  { id: 'pm_card_declined', label: 'Card ending 0002 — declined' },
  { id: 'pm_card_error', label: 'Card with a network glitch — approved after retries' },
  { id: 'pm_card_slow', label: 'Slow card — approved after 3 seconds' },
] as const;

/** Declined three times, the hold is released (the contract's limit). */
const MAX_PAYMENT_ATTEMPTS = 3;

interface Props {
  reservation: Reservation;
  onPaying(paying: boolean): void;
  onChange(reservation: Reservation): void;
  onPaid(reservation: Reservation): void;
  onReleased(message: string): void;
}

export function CheckoutForm({ reservation, onPaying, onChange, onPaid, onReleased }: Props): JSX.Element {
  const [card, setCard] = useState<string>(CARDS[0].id);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const pay = async (e: SubmitEvent): Promise<void> => {
    e.preventDefault();
    setBusy(true);
    onPaying(true);
    setError(null);
    const path = `/reservations/${reservation.reservation_id}`;
    try {
      onPaid(await post<Reservation>(`${path}/confirm`, { payment_method_id: card }, idempotencyKey()));
    } catch (err) {
      if (isCode(err, 'RESERVATION_EXPIRED') || isCode(err, 'RESERVATION_CANCELLED')) {
        onReleased(fanMessage(err));
        return;
      }
      setError(fanMessage(err));
      if (isCode(err, 'PAYMENT_DECLINED')) {
        const now = await get<Reservation>(path).catch(() => null);
        if (now && now.status !== 'HELD') onReleased('Your card was declined three times, so your hold was released and the seats went back on sale.');
        else if (now) onChange(now);
      }
    } finally {
      setBusy(false);
      onPaying(false);
    }
  };

  const attemptsLeft = MAX_PAYMENT_ATTEMPTS - reservation.payment_attempts;
  return (
    <form class="stack checkout" onSubmit={(e) => void pay(e)}>
      <fieldset>
        <legend>Pay with (test cards)</legend>
        {CARDS.map((c) => (
          <label class="choice" key={c.id}>
            <input type="radio" name="card" value={c.id} checked={card === c.id} onChange={() => setCard(c.id)} />
            {c.label}
          </label>
        ))}
      </fieldset>
      {error && <Notice kind="error" testId="payment-error">{error}</Notice>}
      {reservation.payment_attempts > 0 && attemptsLeft > 0 && (
        <p class="muted">
          {attemptsLeft} payment {attemptsLeft === 1 ? 'attempt' : 'attempts'} left for this hold.
        </p>
      )}
      <button type="submit" class="primary" disabled={busy}>
        {busy ? 'Paying…' : `Pay ${formatMoney(reservation.total_price_cents)}`}
      </button>
    </form>
  );
}
