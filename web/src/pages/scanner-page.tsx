import type { JSX } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, get, post } from '../api/client';
import { canScan, useSession } from '../api/session';
import type { EventDetail, EventList, EventSummary, TicketAdmitted } from '../api/types';
import { CameraScanner } from '../components/camera-scanner';
import { Notice } from '../components/notice';
import { LoginLink } from '../components/require-login';
import { ticketLabel } from '../components/ticket-card';
import { fanMessage } from '../error-messages';
import { formatDateTime } from '../format';
import { Link, useLocation } from '../router';

type Verdict = { kind: 'admitted'; detail: string } | { kind: 'used'; detail: string } | { kind: 'invalid'; detail: string } | { kind: 'trouble'; detail: string };

const HEADLINE = { admitted: 'ADMITTED', used: 'ALREADY USED', invalid: 'INVALID', trouble: 'TRY AGAIN' } as const;

/** What the door says about a code: only a refusal about the ticket itself is INVALID, not a network hiccup. */
function verdictOf(err: unknown): Verdict {
  if (err instanceof ApiError && err.code === 'ALREADY_USED') return { kind: 'used', detail: fanMessage(err) };
  if (err instanceof ApiError && ['INVALID_SIGNATURE', 'TICKET_CANCELLED', 'TICKET_TRANSFERRED', 'TICKET_RESOLD', 'WRONG_EVENT', 'VALIDATION_ERROR', 'NOT_FOUND'].includes(err.code)) {
    return { kind: 'invalid', detail: err.code === 'VALIDATION_ERROR' ? 'That is not a ticket code.' : fanMessage(err) };
  }
  return { kind: 'trouble', detail: fanMessage(err) };
}

/** The events a door may be for: those starting from half a day ago on (tonight's show has begun). */
function DoorChoice(): JSX.Element {
  const [events, setEvents] = useState<EventSummary[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const params = new URLSearchParams({ limit: '50', from: new Date(Date.now() - 12 * 3_600_000).toISOString() });
    get<EventList>(`/events?${params}`).then(
      (page) => setEvents(page.events),
      (err: unknown) => setError(fanMessage(err)),
    );
  }, []);
  return (
    <section>
      <h1>Scanner</h1>
      <p>Which event is this door for? The scanner admits that event's tickets only.</p>
      {error && <Notice kind="error">{error}</Notice>}
      {events === null && !error && <p>Loading events…</p>}
      <ul class="cards">
        {events?.map((event) => (
          <li key={event.id} class="card">
            <Link href={`/scanner?event=${event.id}`}>{event.name}</Link>
            <p>{formatDateTime(event.starts_at)}</p>
          </li>
        ))}
      </ul>
    </section>
  );
}

/**
 * Door staff (scanner or admin role): check a code from the camera or pasted, read the verdict from
 * across the room. A door is one event's (`/scanner?event=<id>`, a link the organiser can hand out):
 * another event's ticket is refused.
 */
export function ScannerPage(): JSX.Element {
  const session = useSession();
  const eventId = useLocation().query.get('event');
  const [door, setDoor] = useState<EventDetail | null>(null);
  const [verdict, setVerdict] = useState<Verdict | null>(null);
  const [busy, setBusy] = useState(false);
  const input = useRef<HTMLTextAreaElement>(null);
  useEffect(() => {
    setDoor(null);
    setVerdict(null);
    if (eventId) get<EventDetail>(`/events/${encodeURIComponent(eventId)}`).then(setDoor, (err: unknown) => setVerdict({ kind: 'trouble', detail: fanMessage(err) }));
  }, [eventId]);

  if (!session) {
    return (
      <section>
        <h1>Scanner</h1>
        <p>
          <LoginLink>Log in with a scanner account</LoginLink>
        </p>
      </section>
    );
  }
  if (!canScan(session)) {
    return (
      <section>
        <h1>Scanner</h1>
        <p>The scanner is for door staff: it needs a scanner or admin account.</p>
      </section>
    );
  }

  if (!eventId) return <DoorChoice />;

  const check = async (code: string): Promise<void> => {
    if (!code || busy) return;
    setBusy(true);
    try {
      const { ticket } = await post<TicketAdmitted>('/tickets/validate', { qr_code: code, event_id: eventId });
      setVerdict({ kind: 'admitted', detail: ticketLabel(ticket) });
    } catch (err) {
      setVerdict(verdictOf(err));
    } finally {
      setBusy(false);
      // Ready for the next code at once.
      input.current?.select();
    }
  };

  return (
    <section class="scanner">
      <h1>Scanner</h1>
      <p data-testid="door-event">
        Door for <strong>{door ? door.name : '…'}</strong>
        {door && <> ({formatDateTime(door.starts_at)})</>} · <Link href="/scanner">Another event</Link>
      </p>
      <CameraScanner paused={busy} onCode={(code) => void check(code)} />
      <form
        class="stack"
        onSubmit={(e) => {
          e.preventDefault();
          void check(input.current?.value.trim() ?? '');
        }}
      >
        <label for="code">Ticket code (scan or paste)</label>
        <textarea id="code" ref={input} rows={3} autoComplete="off" spellcheck={false} required />
        <button type="submit" class="primary" disabled={busy}>
          Check ticket
        </button>
      </form>
      <div class={`verdict ${verdict ? `verdict-${verdict.kind}` : ''}`} role="status" aria-live="assertive" data-testid="verdict">
        {verdict && (
          <>
            <p class="verdict-headline">{HEADLINE[verdict.kind]}</p>
            <p>{verdict.detail}</p>
          </>
        )}
      </div>
    </section>
  );
}
