import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { get } from '../api/client';
import type { EventList, EventSummary } from '../api/types';
import { Notice } from '../components/notice';
import { fanMessage } from '../error-messages';
import { formatDateTime, formatMoney } from '../format';
import { Link } from '../router';

/** Upcoming events, searchable, a page at a time. */
export function EventsPage(): JSX.Element {
  const [events, setEvents] = useState<EventSummary[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [query, setQuery] = useState('');
  const [error, setError] = useState<string | null>(null);

  const load = async (q: string, after: string | null): Promise<void> => {
    const params = new URLSearchParams({ limit: '20', from: new Date().toISOString() });
    if (q) params.set('q', q);
    if (after) params.set('cursor', after);
    try {
      const page = await get<EventList>(`/events?${params}`);
      setEvents((before) => (after && before ? [...before, ...page.events] : page.events));
      setCursor(page.next_cursor);
      setError(null);
    } catch (err) {
      setError(fanMessage(err));
    }
  };
  useEffect(() => void load('', null), []);

  return (
    <section>
      <h1>Events</h1>
      <form
        class="search"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          void load(query, null);
        }}
      >
        <label for="event-search">Search events</label>
        <input id="event-search" type="search" value={query} onInput={(e) => setQuery(e.currentTarget.value)} placeholder="Artist, venue, category" />
        <button type="submit">Search</button>
      </form>
      {error && <Notice kind="error">{error}</Notice>}
      {events === null && !error && <p>Loading events…</p>}
      {events?.length === 0 && <p>No upcoming events match.</p>}
      <ul class="cards">
        {events?.map((event) => (
          <li key={event.id} class="card">
            <h2>
              <Link href={`/events/${event.id}`}>{event.name}</Link>
            </h2>
            <p>{formatDateTime(event.starts_at)}</p>
            <p>
              {event.venue.name}, {event.venue.city}
            </p>
            <p class="muted">
              {event.min_price_cents !== null && <>From {formatMoney(event.min_price_cents)}</>}
              {event.high_demand && <span class="badge">Waiting room</span>}
              {event.status === 'CANCELLED' && <span class="badge">Cancelled</span>}
            </p>
          </li>
        ))}
      </ul>
      {cursor && (
        <button type="button" onClick={() => void load(query, cursor)}>
          More events
        </button>
      )}
    </section>
  );
}
