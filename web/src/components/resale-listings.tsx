import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { get, idempotencyKey, post } from '../api/client';
import type { EventDetail, Listing, ListingList, ListingPurchase } from '../api/types';
import { fanMessage, isCode } from '../error-messages';
import { formatMoney } from '../format';
import { Link } from '../router';
import { CARDS } from './checkout-form';
import { Notice } from './notice';
import { TicketCard } from './ticket-card';

const placeOf = (l: Listing): string => (l.row !== null && l.number !== null ? `${l.section_name}, row ${l.row}, seat ${l.number}` : `${l.section_name} (standing)`);

/**
 * Tickets other fans resell at face value, cheapest first: a fan picks one and pays with a card; the
 * seller's ticket stops working and the fan gets a new one at once.
 */
export function ResaleListings({ event, canBuy }: { event: EventDetail; canBuy: boolean }): JSX.Element | null {
  const [listings, setListings] = useState<Listing[] | null>(null);
  const [chosen, setChosen] = useState<Listing | null>(null);
  const [card, setCard] = useState<string>(CARDS[0].id);
  const [bought, setBought] = useState<ListingPurchase | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const load = (): void => {
    get<ListingList>(`/events/${encodeURIComponent(event.id)}/resale`)
      .then((list) => setListings(list.listings))
      .catch((err: unknown) => setError(fanMessage(err)));
  };
  useEffect(load, [event.id]);

  if (!event.resale.allowed || event.status !== 'SCHEDULED') return null;

  const buy = async (e: SubmitEvent): Promise<void> => {
    e.preventDefault();
    if (!chosen) return;
    setBusy(true);
    setError(null);
    try {
      setBought(await post<ListingPurchase>(`/resale/${chosen.listing_id}/purchase`, { payment_method_id: card }, idempotencyKey()));
      setChosen(null);
      load();
    } catch (err) {
      setError(fanMessage(err));
      if (isCode(err, 'LISTING_UNAVAILABLE')) {
        setChosen(null);
        load();
      }
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="resale-listings" aria-labelledby="resale-title">
      <h2 id="resale-title">Resale at face value</h2>
      {bought && (
        <>
          <Notice kind="success" testId="resale-bought">
            You bought {placeOf(bought.listing)} for {formatMoney(bought.listing.price_cents)}. Your own ticket is below.
          </Notice>
          <div class="tickets">
            <TicketCard ticket={bought.ticket} />
          </div>
          <p>
            <Link href="/tickets">All my tickets</Link>
          </p>
        </>
      )}
      {error && <Notice kind="error" testId="resale-error">{error}</Notice>}
      {listings === null && !error && <p>Loading tickets for resale…</p>}
      {listings?.length === 0 && <p class="muted">No tickets for resale right now.</p>}
      {listings && listings.length > 0 && (
        <ul class="listings">
          {listings.map((l) => (
            <li key={l.listing_id} class="listing" data-listing-id={l.listing_id}>
              <span>
                <strong>{formatMoney(l.price_cents)}</strong> · {placeOf(l)} <span class="muted">(face value {formatMoney(l.face_value_cents)})</span>
              </span>
              {canBuy && (
                <button type="button" aria-pressed={chosen?.listing_id === l.listing_id} onClick={() => setChosen(l)} aria-label={`Buy ${placeOf(l)} for ${formatMoney(l.price_cents)}`}>
                  Buy
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      {chosen && (
        <form class="stack checkout" onSubmit={(e) => void buy(e)} aria-labelledby="resale-pay-title">
          <h3 id="resale-pay-title">
            {placeOf(chosen)} for {formatMoney(chosen.price_cents)}
          </h3>
          <fieldset>
            <legend>Pay with (test cards)</legend>
            {CARDS.map((c) => (
              <label class="choice" key={c.id}>
                <input type="radio" name="resale-card" value={c.id} checked={card === c.id} onChange={() => setCard(c.id)} />
                {c.label}
              </label>
            ))}
          </fieldset>
          <div class="actions">
            <button type="submit" class="primary" disabled={busy}>
              {busy ? 'Paying…' : `Pay ${formatMoney(chosen.price_cents)}`}
            </button>
            <button type="button" onClick={() => setChosen(null)} disabled={busy}>
              Not this one
            </button>
          </div>
        </form>
      )}
    </section>
  );
}
