import { gaCounter, reservationRow, seatStatuses } from '../support/db-queries';
import { useE2eStack } from '../support/e2e-stack';
import { createEventViaApi, registerBuyer } from '../support/scenario';

const e2e = useE2eStack();

describe('under contention', () => {
  test('when 15 buyers race for 10 GA tickets, exactly 10 are held, 5 get 409 and nothing goes negative', async () => {
    const event = await createEventViaApi(e2e.api, e2e.admin, { gaCapacity: 10 });
    const buyers = await Promise.all(Array.from({ length: 15 }, (_, i) => registerBuyer(e2e.api, `racer ${i}`)));
    const answers = await Promise.all(
      buyers.map((b) => e2e.api.post('/api/v1/reservations', { event_id: event.eventId, ga: [{ section_id: event.gaSectionId, quantity: 1 }] }, { token: b.token })),
    );
    expect(answers.filter((a) => a.status === 201)).toHaveLength(10);
    const refused = answers.filter((a) => a.status === 409);
    expect(refused).toHaveLength(5);
    for (const r of refused) expect(r.body).toMatchObject({ error: 'INSUFFICIENT_INVENTORY', section_id: event.gaSectionId, available: 0 });
    expect(await gaCounter(e2e.stack.server.deps.pool, event.eventId, event.gaSectionId!)).toEqual({ capacity: 10, held: 10, sold: 0 });
    const map = await e2e.api.get(`/api/v1/events/${event.eventId}/seats`);
    expect(map.body.total_available).toBe(0);
  });

  test('when 12 buyers race for the same seat, one gets it and the others get 409 naming that seat', async () => {
    const event = await createEventViaApi(e2e.api, e2e.admin, { rows: 1, seatsPerRow: 3 });
    const buyers = await Promise.all(Array.from({ length: 12 }, () => registerBuyer(e2e.api)));
    const seat = event.seatIds[1];
    const answers = await Promise.all(
      buyers.map((b) => e2e.api.post('/api/v1/reservations', { event_id: event.eventId, seat_ids: [seat] }, { token: b.token })),
    );
    expect(answers.filter((a) => a.status === 201)).toHaveLength(1);
    const losers = answers.filter((a) => a.status === 409);
    expect(losers).toHaveLength(11);
    for (const l of losers) expect(l.body).toMatchObject({ error: 'SEATS_UNAVAILABLE', unavailable_seats: [seat] });
  });

  test('when overlapping multi-seat holds race, each is all-or-nothing: no seat is held by two and no partial hold exists', async () => {
    const event = await createEventViaApi(e2e.api, e2e.admin, { rows: 1, seatsPerRow: 6 });
    const buyers = await Promise.all(Array.from({ length: 6 }, () => registerBuyer(e2e.api)));
    const s = event.seatIds;
    const wanted = [[s[0], s[1]], [s[1], s[2]], [s[2], s[3]], [s[3], s[4]], [s[4], s[5]], [s[5], s[0]]];
    const answers = await Promise.all(
      buyers.map((b, i) => e2e.api.post('/api/v1/reservations', { event_id: event.eventId, seat_ids: wanted[i] }, { token: b.token })),
    );
    const won = answers.filter((a) => a.status === 201);
    expect(won.length).toBeGreaterThanOrEqual(1);
    expect(answers.every((a) => a.status === 201 || a.status === 409)).toBe(true);
    const heldSeats = won.flatMap((a) => a.body.seats.map((x: { seat_id: string }) => x.seat_id));
    expect(new Set(heldSeats).size).toBe(heldSeats.length);
    const { rows } = await e2e.stack.server.deps.pool.query(`SELECT count(*)::int AS n FROM seats WHERE event_id = $1 AND status = 'HELD'`, [event.eventId]);
    expect(rows[0].n).toBe(heldSeats.length);
  });
});

describe('hold expiry', () => {
  test('a 2-second hold is released by its workflow without any API call, within 5 s of held_until', async () => {
    const event = await createEventViaApi(e2e.api, e2e.admin, { rows: 1, seatsPerRow: 2, gaCapacity: 5 });
    const buyer = await registerBuyer(e2e.api);
    const held = await e2e.api.post(
      '/api/v1/reservations',
      { event_id: event.eventId, seat_ids: [event.seatIds[0]], ga: [{ section_id: event.gaSectionId, quantity: 2 }], hold_duration_seconds: 2 },
      { token: buyer.token },
    );
    expect(held.status).toBe(201);
    const heldUntil = Date.parse(held.body.held_until);
    const pool = e2e.stack.server.deps.pool;
    let releasedAt = 0;
    while (Date.now() < heldUntil + 5000) {
      if ((await reservationRow(pool, held.body.reservation_id))?.status === 'EXPIRED') {
        releasedAt = Date.now();
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(releasedAt).toBeGreaterThan(0);
    expect(releasedAt).toBeGreaterThanOrEqual(heldUntil - 50);
    expect(await seatStatuses(pool, [event.seatIds[0]!])).toEqual(['AVAILABLE']);
    expect(await gaCounter(pool, event.eventId, event.gaSectionId!)).toMatchObject({ held: 0, sold: 0 });
    const confirm = await e2e.api.post(`/api/v1/reservations/${held.body.reservation_id}/confirm`, { payment_method_id: 'pm_card_visa' }, { token: buyer.token });
    expect(confirm.status).toBe(409);
    expect(confirm.body.error).toBe('RESERVATION_EXPIRED');
    const extend = await e2e.api.post(`/api/v1/reservations/${held.body.reservation_id}/extend`, undefined, { token: buyer.token });
    expect(extend.body.error).toBe('RESERVATION_EXPIRED');
  });
});
