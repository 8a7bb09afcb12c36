import type { JSX } from 'preact';
import { useRef, useState } from 'preact/hooks';
import { ApiError, post } from '../api/client';
import { canScan, useSession } from '../api/session';
import type { TicketAdmitted } from '../api/types';
import { CameraScanner } from '../components/camera-scanner';
import { LoginLink } from '../components/require-login';
import { ticketLabel } from '../components/ticket-card';
import { fanMessage } from '../error-messages';

type Verdict = { kind: 'admitted'; detail: string } | { kind: 'used'; detail: string } | { kind: 'invalid'; detail: string } | { kind: 'trouble'; detail: string };

const HEADLINE = { admitted: 'ADMITTED', used: 'ALREADY USED', invalid: 'INVALID', trouble: 'TRY AGAIN' } as const;

/** What the door says about a code: only a refusal about the ticket itself is INVALID, not a network hiccup. */
function verdictOf(err: unknown): Verdict {
  if (err instanceof ApiError && err.code === 'ALREADY_USED') return { kind: 'used', detail: fanMessage(err) };
  if (err instanceof ApiError && ['INVALID_SIGNATURE', 'TICKET_CANCELLED', 'TICKET_TRANSFERRED', 'VALIDATION_ERROR', 'NOT_FOUND'].includes(err.code)) {
    return { kind: 'invalid', detail: err.code === 'VALIDATION_ERROR' ? 'That is not a ticket code.' : fanMessage(err) };
  }
  return { kind: 'trouble', detail: fanMessage(err) };
}

/** Door staff (scanner or admin role): check a code from the camera or pasted, read the verdict from across the room. */
export function ScannerPage(): JSX.Element {
  const session = useSession();
  const [verdict, setVerdict] = useState<Verdict | null>(null);
  const [busy, setBusy] = useState(false);
  const input = useRef<HTMLTextAreaElement>(null);

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

  const check = async (code: string): Promise<void> => {
    if (!code || busy) return;
    setBusy(true);
    try {
      const { ticket } = await post<TicketAdmitted>('/tickets/validate', { qr_code: code });
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
