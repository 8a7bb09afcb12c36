import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { del, get, post } from '../api/client';
import type { Listing, Ticket } from '../api/types';
import { fanMessage } from '../error-messages';
import { formatMoney } from '../format';
import { Notice } from './notice';

/**
 * Selling one's own ticket at face value: a price up to the event's cap, or, once listed, what it is
 * listed for and a way to withdraw it. The ticket keeps opening the door until it sells.
 */
export function ResaleControls({ ticket, label, onChange }: { ticket: Ticket; label: string; onChange?: () => void }): JSX.Element | null {
  const [listing, setListing] = useState<Listing | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [withdrawn, setWithdrawn] = useState(false);
  const [busy, setBusy] = useState(false);
  const cap = ticket.resale_max_price_cents;
  const inputId = `price-${ticket.ticket_id}`;

  // The page reloads its tickets after a sale offer or a withdrawal: the listing already shown stays
  // on screen while it is fetched again, rather than flashing back to the price form.
  useEffect(() => {
    const id = ticket.listing_id;
    setListing((shown) => (shown?.listing_id === id ? shown : null));
    if (!id) return;
    get<Listing>(`/resale/${id}`)
      .then(setListing)
      .catch((err: unknown) => setError(fanMessage(err)));
  }, [ticket.listing_id]);

  if (ticket.status !== 'ACTIVE' || cap === null) return null;

  const act = async (action: () => Promise<Listing>): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      const now = await action();
      setListing(now);
      setWithdrawn(now.status === 'WITHDRAWN');
      onChange?.();
    } catch (err) {
      setError(fanMessage(err));
    } finally {
      setBusy(false);
    }
  };

  const sell = (e: SubmitEvent): void => {
    e.preventDefault();
    const euros = Number(new FormData(e.currentTarget as HTMLFormElement).get('price'));
    void act(() => post<Listing>(`/tickets/${ticket.ticket_id}/resale`, { price_cents: Math.round(euros * 100) }));
  };

  const open = listing?.status === 'LISTED' ? listing : null;
  return (
    <div class="resale" data-testid="resale">
      {open ? (
        <>
          <Notice kind="info" testId="listed">
            For sale at {formatMoney(open.price_cents)}: you get {formatMoney(open.seller_payout_cents)} when it sells. Until then it still opens the door.
          </Notice>
          <button type="button" disabled={busy} onClick={() => void act(() => del<Listing>(`/resale/${open.listing_id}`))} aria-label={`Withdraw ${label} from resale`}>
            Withdraw
          </button>
        </>
      ) : (
        <form class="sell" onSubmit={sell}>
          <label for={inputId}>Sell this ticket: your price, at most {formatMoney(cap)}</label>
          <div class="inline">
            <input id={inputId} name="price" type="number" inputMode="decimal" min="0" max={(cap / 100).toFixed(2)} step="0.01" required />
            <button type="submit" disabled={busy}>
              Sell
            </button>
          </div>
        </form>
      )}
      {withdrawn && !open && <Notice kind="success">Withdrawn: the ticket is no longer for sale.</Notice>}
      {error && <Notice kind="error">{error}</Notice>}
    </div>
  );
}
