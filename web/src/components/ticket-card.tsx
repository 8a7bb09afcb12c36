import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { post } from '../api/client';
import type { Ticket } from '../api/types';
import { fanMessage } from '../error-messages';
import { formatDateTime } from '../format';
import { Notice } from './notice';
import { ResaleControls } from './resale-controls';
import { TicketQr } from './ticket-qr';

const STATUS_WORDS: Record<Ticket['status'], string> = {
  ACTIVE: 'Valid',
  USED: 'Used',
  CANCELLED: 'Cancelled',
  TRANSFERRED: 'Passed to a friend',
  RESOLD: 'Sold on resale',
};

export const ticketLabel = (t: Ticket): string =>
  t.row !== null && t.number !== null ? `${t.section_name}, row ${t.row}, seat ${t.number}` : `${t.section_name} (standing)`;

/** One ticket: its QR code while it opens the door, passing it to a friend by email, and selling it at face value. */
/** `onChange`: the ticket was passed on, listed or withdrawn (the page reloads what it shows). */
export function TicketCard({ ticket, onChange }: { ticket: Ticket; onChange?: () => void }): JSX.Element {
  const [error, setError] = useState<string | null>(null);
  const [sentTo, setSentTo] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const label = ticketLabel(ticket);
  const inputId = `to-${ticket.ticket_id}`;

  const transfer = async (e: SubmitEvent): Promise<void> => {
    e.preventDefault();
    const email = String(new FormData(e.currentTarget as HTMLFormElement).get('to_email') ?? '');
    setBusy(true);
    setError(null);
    try {
      await post(`/tickets/${ticket.ticket_id}/transfer`, { to_email: email });
      setSentTo(email);
      onChange?.();
    } catch (err) {
      setError(fanMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <article class="ticket" data-ticket-id={ticket.ticket_id} aria-label={label}>
      <h4>{label}</h4>
      <p>
        <span class={`badge status-${ticket.status.toLowerCase()}`}>{STATUS_WORDS[ticket.status]}</span>
        {ticket.used_at && <> · scanned {formatDateTime(ticket.used_at)}</>}
      </p>
      {ticket.status === 'ACTIVE' && (
        <>
          <TicketQr ticketId={ticket.ticket_id} label={label} />
          <details>
            <summary>Show the code as text</summary>
            <code class="code" data-testid="qr-text">{ticket.qr_code}</code>
          </details>
          {!ticket.listing_id && (
            <form class="transfer" onSubmit={(e) => void transfer(e)}>
              <label for={inputId}>Give this ticket to a friend (their account email)</label>
              <div class="inline">
                <input id={inputId} name="to_email" type="email" required autoComplete="off" />
                <button type="submit" disabled={busy}>Transfer</button>
              </div>
            </form>
          )}
          <ResaleControls ticket={ticket} label={label} onChange={onChange} />
        </>
      )}
      {sentTo && <Notice kind="success">Sent to {sentTo}. Your old code no longer works.</Notice>}
      {error && <Notice kind="error">{error}</Notice>}
    </article>
  );
}
