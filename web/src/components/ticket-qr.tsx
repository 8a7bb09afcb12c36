import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { API_BASE } from '../api/client';
import { currentSession } from '../api/session';

/**
 * The API draws the QR code (GET /tickets/:id/qr.svg, owner only): the page fetches it with the
 * fan's token and shows it as an image, so no QR encoder ships in the bundle.
 */
export function TicketQr({ ticketId, label }: { ticketId: string; label: string }): JSX.Element {
  const [url, setUrl] = useState<string | null>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    let objectUrl: string | null = null;
    let stopped = false;
    const token = currentSession()?.token;
    fetch(`${API_BASE}/tickets/${ticketId}/qr.svg`, { headers: token ? { authorization: `Bearer ${token}` } : {} })
      .then((res) => (res.ok ? res.blob() : Promise.reject(new Error(String(res.status)))))
      .then((blob) => {
        if (stopped) return;
        objectUrl = URL.createObjectURL(blob);
        setUrl(objectUrl);
      })
      .catch(() => !stopped && setFailed(true));
    return () => {
      stopped = true;
      if (objectUrl) URL.revokeObjectURL(objectUrl);
    };
  }, [ticketId]);
  if (failed) return <p class="muted">The QR code could not be loaded; reload the page to try again.</p>;
  if (!url) return <div class="qr qr-loading" aria-hidden="true" />;
  return <img class="qr" src={url} alt={`QR code of ${label}`} width={200} height={200} data-testid="ticket-qr" />;
}
