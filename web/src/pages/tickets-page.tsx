import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { get } from '../api/client';
import { useSession } from '../api/session';
import type { OrderList, Ticket, TicketList } from '../api/types';
import { Notice } from '../components/notice';
import { LoginLink } from '../components/require-login';
import { TicketCard } from '../components/ticket-card';
import { fanMessage } from '../error-messages';
import { formatDateTime, formatMoney } from '../format';

const ORDER_WORDS = { CONFIRMED: 'Paid', REFUNDING: 'Being refunded', REFUNDED: 'Refunded' } as const;

/** The fan's orders, newest first, each with its tickets; then the tickets others passed on to them (a transfer, a resale). */
export function TicketsPage(): JSX.Element {
  const session = useSession();
  const [orders, setOrders] = useState<OrderList['orders'] | null>(null);
  const [received, setReceived] = useState<Ticket[]>([]);
  const [error, setError] = useState<string | null>(null);
  const load = (): void => {
    get<OrderList>('/orders?limit=50')
      .then((list) => setOrders(list.orders))
      .catch((err: unknown) => setError(fanMessage(err)));
    get<TicketList>('/tickets?limit=200')
      .then((list) => setReceived(list.tickets.filter((t) => t.resold_from !== null || t.transferred_from !== null)))
      .catch((err: unknown) => setError(fanMessage(err)));
  };
  useEffect(() => {
    if (session) load();
  }, [session?.token]);

  if (!session) {
    return (
      <section>
        <h1>My tickets</h1>
        <p>
          <LoginLink>Log in to see your tickets</LoginLink>
        </p>
      </section>
    );
  }
  return (
    <section>
      <h1>My tickets</h1>
      {error && <Notice kind="error">{error}</Notice>}
      {orders === null && !error && <p>Loading your orders…</p>}
      {orders?.length === 0 && received.length === 0 && <p>No orders yet.</p>}
      {orders?.map((order) => (
        <section class="order" key={order.order_id} aria-labelledby={`order-${order.order_id}`}>
          <h2 id={`order-${order.order_id}`}>{order.event.name}</h2>
          <p>
            {formatDateTime(order.event.starts_at)} · {order.event.venue_name}, {order.event.city}
          </p>
          <p class="muted">
            {ORDER_WORDS[order.status]} {formatMoney(order.total_cents)} on {formatDateTime(order.created_at)}
          </p>
          <div class="tickets">
            {order.tickets.map((ticket) => (
              <TicketCard key={ticket.ticket_id} ticket={ticket} onChange={load} />
            ))}
          </div>
        </section>
      ))}
      {received.length > 0 && (
        <section class="order" aria-labelledby="received-title">
          <h2 id="received-title">Tickets from other fans</h2>
          <p class="muted">Bought on resale or given to you by a friend.</p>
          <div class="tickets">
            {received.map((ticket) => (
              <div key={ticket.ticket_id}>
                <p>
                  <strong>{ticket.event_name}</strong> · {formatDateTime(ticket.event_starts_at)}
                </p>
                <TicketCard ticket={ticket} onChange={load} />
              </div>
            ))}
          </div>
        </section>
      )}
    </section>
  );
}
