import type { JSX } from 'preact';
import { canBuy, canScan, setSession, useSession } from './api/session';
import { post } from './api/client';
import { Link, navigate, useLocation } from './router';
import { LoginPage } from './pages/login-page';
import { EventsPage } from './pages/events-page';
import { EventPage } from './pages/event-page';
import { TicketsPage } from './pages/tickets-page';
import { ScannerPage } from './pages/scanner-page';

function Page(): JSX.Element {
  const { path } = useLocation();
  const eventMatch = /^\/events\/([^/]+)$/.exec(path);
  if (eventMatch?.[1]) return <EventPage eventId={decodeURIComponent(eventMatch[1])} />;
  if (path === '/login') return <LoginPage />;
  if (path === '/tickets') return <TicketsPage />;
  if (path === '/scanner') return <ScannerPage />;
  if (path === '/' || path === '/events') return <EventsPage />;
  return (
    <section>
      <h1>Page not found</h1>
      <p>
        <Link href="/">See all events</Link>
      </p>
    </section>
  );
}

export function App(): JSX.Element {
  const session = useSession();
  const logOut = async (): Promise<void> => {
    // The token stops working on the server; the page forgets it either way.
    await post('/auth/logout').catch(() => undefined);
    setSession(null);
    navigate('/');
  };
  return (
    <>
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header class="top">
        <Link href="/" class="brand">
          Tickets
        </Link>
        <nav aria-label="Main">
          <ul>
            {session?.user.role !== 'scanner' && (
              <li>
                <Link href="/">Events</Link>
              </li>
            )}
            {canBuy(session) && (
              <li>
                <Link href="/tickets">My tickets</Link>
              </li>
            )}
            {canScan(session) && (
              <li>
                <Link href="/scanner">Scanner</Link>
              </li>
            )}
            <li>
              {session ? (
                <button type="button" class="link-button" onClick={() => void logOut()}>
                  Log out {session.user.name}
                </button>
              ) : (
                <Link href="/login">Log in</Link>
              )}
            </li>
          </ul>
        </nav>
      </header>
      <main id="main" tabIndex={-1}>
        <Page />
      </main>
    </>
  );
}
