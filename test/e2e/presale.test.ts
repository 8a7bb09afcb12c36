import { useE2eStack } from '../support/e2e-stack';
import { createEventViaApi, registerBuyer, type ApiEvent, type Buyer } from '../support/scenario';

const e2e = useE2eStack();

const minutes = (n: number) => new Date(Date.now() + n * 60_000).toISOString();

/** An event whose general sale starts tomorrow, with one presale window (open now unless said otherwise). */
function presaleEvent(window: { startsIn: number; endsIn: number; max?: number }): Promise<ApiEvent> {
  return createEventViaApi(e2e.api, e2e.admin, {
    gaCapacity: 50,
    event: {
      on_sale_at: minutes(24 * 60),
      presales: [{ name: 'Fan club', starts_at: minutes(window.startsIn), ends_at: minutes(window.endsIn), access_code: 'FANCLUB-2026', max_tickets_per_user: window.max ?? 4 }],
    },
  });
}

function hold(buyer: Buyer, event: ApiEvent, quantity: number, code?: string) {
  return e2e.api.post(
    '/api/v1/reservations',
    { event_id: event.eventId, ga: [{ section_id: event.gaSectionId, quantity }], ...(code === undefined ? {} : { presale_code: code }) },
    { token: buyer.token },
  );
}

describe('presale windows', () => {
  test('before any window opens, a hold is refused with 409 NOT_ON_SALE_YET saying when it opens, code or not', async () => {
    const event = await presaleEvent({ startsIn: 60, endsIn: 120 });
    const buyer = await registerBuyer(e2e.api);
    for (const code of [undefined, 'FANCLUB-2026']) {
      const res = await hold(buyer, event, 1, code);
      expect([res.status, res.body.error]).toEqual([409, 'NOT_ON_SALE_YET']);
      expect(Date.parse(res.body.opens_at)).toBeGreaterThan(Date.now() + 50 * 60_000);
    }
    const shown = await e2e.api.get(`/api/v1/events/${event.eventId}`);
    expect(shown.body.presales).toEqual([expect.objectContaining({ name: 'Fan club', max_tickets_per_user: 4 })]);
    expect(JSON.stringify(shown.body)).not.toContain('FANCLUB-2026');
  });

  test('while a window is open, a hold needs its code: none or a wrong one is 403 PRESALE_CODE_REQUIRED, the right one holds', async () => {
    const event = await presaleEvent({ startsIn: -1, endsIn: 60 });
    const buyer = await registerBuyer(e2e.api);
    expect((await hold(buyer, event, 1)).body.error).toBe('PRESALE_CODE_REQUIRED');
    const wrong = await hold(buyer, event, 1, 'FANCLUB-2025');
    expect([wrong.status, wrong.body.error]).toEqual([403, 'PRESALE_CODE_REQUIRED']);
    expect((await hold(buyer, event, 1, 'FANCLUB-2026')).status).toBe(201);
  });

  test("the per-user limit counts the buyer's live holds and confirmed tickets: beyond it 409 PRESALE_LIMIT_EXCEEDED", async () => {
    const event = await presaleEvent({ startsIn: -1, endsIn: 60, max: 3 });
    const buyer = await registerBuyer(e2e.api);
    const first = await hold(buyer, event, 2, 'FANCLUB-2026');
    expect(first.status).toBe(201);
    const paid = await e2e.api.post(`/api/v1/reservations/${first.body.reservation_id}/confirm`, { payment_method_id: 'pm_card_visa' }, { token: buyer.token });
    expect(paid.body.status).toBe('CONFIRMED');
    const over = await hold(buyer, event, 2, 'FANCLUB-2026');
    expect([over.status, over.body.error, over.body.max_tickets_per_user]).toEqual([409, 'PRESALE_LIMIT_EXCEEDED', 3]);
    expect((await hold(buyer, event, 1, 'FANCLUB-2026')).status).toBe(201);
    // Another buyer has a limit of their own.
    expect((await hold(await registerBuyer(e2e.api), event, 3, 'FANCLUB-2026')).status).toBe(201);
  });

  test('two concurrent requests of one buyer cannot together exceed the limit: one holds, the other is refused', async () => {
    const event = await presaleEvent({ startsIn: -1, endsIn: 60, max: 3 });
    const buyer = await registerBuyer(e2e.api);
    const answers = await Promise.all([hold(buyer, event, 2, 'FANCLUB-2026'), hold(buyer, event, 2, 'FANCLUB-2026'), hold(buyer, event, 2, 'FANCLUB-2026')]);
    expect(answers.map((a) => a.status).sort()).toEqual([201, 409, 409]);
    const { rows } = await e2e.stack.server.deps.pool.query(
      `SELECT COALESCE(sum(quantity), 0)::int AS n FROM ga_holds h JOIN reservations r ON r.id = h.reservation_id WHERE r.event_id = $1 AND r.user_id = $2 AND h.status = 'HELD'`,
      [event.eventId, buyer.id],
    );
    expect(rows[0].n).toBe(2);
  });

  test('a window that overlaps another, or ends after on_sale_at, is refused when the event is created', async () => {
    const venue = await e2e.api.post('/api/v1/venues', { name: 'Presale hall', city: 'Porto', sections: [{ name: 'Lawn', kind: 'GA', capacity: 10 }] }, { token: e2e.admin });
    const base = { name: 'Show', venue_id: venue.body.id, starts_at: minutes(7 * 24 * 60), on_sale_at: minutes(120), prices: [{ section_id: venue.body.sections[0].id, price_cents: 100 }] };
    const window = (startsIn: number, endsIn: number) => ({ starts_at: minutes(startsIn), ends_at: minutes(endsIn), access_code: 'X', max_tickets_per_user: 2 });
    const overlapping = await e2e.api.post('/api/v1/events', { ...base, presales: [window(0, 60), window(30, 90)] }, { token: e2e.admin });
    expect(overlapping.status).toBe(400);
    const late = await e2e.api.post('/api/v1/events', { ...base, presales: [window(0, 180)] }, { token: e2e.admin });
    expect(late.status).toBe(400);
    expect((await e2e.api.post('/api/v1/events', { ...base, presales: [window(0, 60), window(60, 110)] }, { token: e2e.admin })).status).toBe(201);
  });
});
