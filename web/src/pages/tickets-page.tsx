import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { get } from '../api/client';
import { useSession } from '../api/session';
import type { OrderList } from '../api/types';
import { Notice } from '../components/notice';
import { LoginLink } from '../components/require-login';
import { TicketCard } from '../components/ticket-card';
import { fanMessage } from '../error-messages';
import { formatDateTime, formatMoney } from '../format';

const ORDER_WORDS = { CONFIRMED: 'Paid', REFUNDING: 'Being refunded', REFUNDED: 'Refunded' } as const;

/** The fan's orders, newest first, each with its tickets. */
export function TicketsPage(): JSX.Element {
  const session = useSession();
  const [orders, setOrders] = useState<OrderList['orders'] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = (): void => {
    get<OrderList>('/orders?limit=50')
      .then((list) => setOrders(list.orders))
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
      {orders?.length === 0 && <p>No orders yet.</p>}
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
              <TicketCard key={ticket.ticket_id} ticket={ticket} onTransferred={load} />
            ))}
          </div>
        </section>
      ))}
    </section>
  );
}
