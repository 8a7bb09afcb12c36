import { get } from 'node:http';
import { startServer, type RunningServer } from '../../src/api/server';
import { inventoryStreamKey } from '../../src/inventory/inventory-signals';
import { SEAT_MAP_TTL_MS } from '../../src/inventory/seat-map-cache';
import { useE2eStack } from '../support/e2e-stack';
import { httpClient } from '../support/http';
import { holdRowLock, waitForLockWaiters } from '../support/lock-waits';
import { createEventViaApi, registerBuyer, type ApiEvent, type Buyer } from '../support/scenario';
import { openSse, type SseConnection, type SseEvent } from '../support/sse';

// No SMTP server: the emails a sale owes wait in the outbox. Sending one renders its tickets' QR codes,
// seconds of CPU in this process (the suite's worker runs here), and a read stalled behind that comes
// after the seat map's bound: the sale test below could then not tell a stale map from a fresh one.
const e2e = useE2eStack({ SSE_HEARTBEAT_SECONDS: '0.5', SMTP_URL: undefined, SMTP_HOST: undefined });
const open: SseConnection[] = [];

afterEach(() => {
  for (const c of open.splice(0)) c.close();
});

async function watch(baseUrl: string, eventId: string, headers: Record<string, string> = {}): Promise<SseConnection> {
  const stream = await openSse(`${baseUrl}/api/v1/events/${eventId}/stream`, headers);
  open.push(stream);
  expect(stream.status).toBe(200);
  expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/);
  await stream.waitFor((e) => e.event === 'ready', 10_000, 'ready');
  return stream;
}

const seatBecomes = (seatId: string, status: string, cause?: string) => (e: SseEvent) =>
  e.event === 'inventory' && (!cause || e.data.cause === cause) && e.data.seats.some((s: { seat_id: string; status: string }) => s.seat_id === seatId && s.status === status);

function hold(buyer: Buyer, event: ApiEvent, body: Record<string, unknown>, api = e2e.api) {
  return api.post('/api/v1/reservations', { event_id: event.eventId, ...body }, { token: buyer.token });
}

describe('live seat map over Server-Sent Events', () => {
  test('a fan watching the map sees a seat turn HELD when someone holds it, then AVAILABLE when the hold expires', async () => {
    const event = await createEventViaApi(e2e.api, e2e.admin, { rows: 1, seatsPerRow: 3, gaCapacity: 4 });
    const stream = await watch(e2e.stack.url, event.eventId);
    const buyer = await registerBuyer(e2e.api);
    const seat = event.seatIds[1]!;
    const held = await hold(buyer, event, { seat_ids: [seat], ga: [{ section_id: event.gaSectionId, quantity: 3 }], hold_duration_seconds: 2 });
    expect(held.status).toBe(201);

    const onHold = await stream.waitFor(seatBecomes(seat, 'HELD', 'hold'), 10_000, 'the hold');
    expect(onHold.data.event_id).toBe(event.eventId);
    expect(onHold.data.sections).toEqual(
      expect.arrayContaining([
        { section_id: event.seatedSectionId, kind: 'SEATED', available_count: 2 },
        { section_id: event.gaSectionId, kind: 'GA', available_count: 1 },
      ]),
    );
    const onExpiry = await stream.waitFor(seatBecomes(seat, 'AVAILABLE', 'release'), 10_000, 'the expiry');
    expect(onExpiry.data.sections).toEqual(expect.arrayContaining([{ section_id: event.gaSectionId, kind: 'GA', available_count: 4 }]));
    // Ids grow with every change, so a reconnecting client can say where it stopped.
    expect(Number(onExpiry.id!.split('-')[0])).toBeGreaterThanOrEqual(Number(onHold.id!.split('-')[0]));
    expect(onExpiry.id).not.toBe(onHold.id);
    await stream.waitFor((e) => e.event === 'heartbeat', 5000, 'a heartbeat');
  });

  describe('with a second API process', () => {
    let second: RunningServer;
    beforeAll(async () => {
      second = await startServer({ config: e2e.stack.config, port: 0, log: () => undefined });
    });
    afterAll(async () => {
      await second?.stop();
    });

    test('a hold and a sale made through one API process reach a fan connected to the other', async () => {
      const event = await createEventViaApi(e2e.api, e2e.admin, { rows: 1, seatsPerRow: 2 });
      const onSecond = await watch(second.url, event.eventId);
      const onFirst = await watch(e2e.stack.url, event.eventId);
      const buyer = await registerBuyer(e2e.api);
      const seat = event.seatIds[0]!;
      const held = await hold(buyer, event, { seat_ids: [seat] });
      expect(held.status).toBe(201);
      await onSecond.waitFor(seatBecomes(seat, 'HELD'), 10_000, 'the hold on the other process');
      const paid = await e2e.api.post(`/api/v1/reservations/${held.body.reservation_id}/confirm`, { payment_method_id: 'pm_card_visa' }, { token: buyer.token });
      expect(paid.status).toBe(200);
      const sold = await onSecond.waitFor(seatBecomes(seat, 'SOLD', 'sale'), 10_000, 'the sale on the other process');
      // Both processes number the changes the same way: one stream per event, in Redis.
      expect((await onFirst.waitFor(seatBecomes(seat, 'SOLD', 'sale'))).id).toBe(sold.id);
    });

    test('and the other way round: a change made through the second process reaches a fan of the first', async () => {
      const event = await createEventViaApi(e2e.api, e2e.admin, { gaCapacity: 5 });
      const stream = await watch(e2e.stack.url, event.eventId);
      const buyer = await registerBuyer(e2e.api);
      const held = await hold(buyer, event, { ga: [{ section_id: event.gaSectionId, quantity: 2 }] }, httpClient(second.url));
      expect(held.status).toBe(201);
      const change = await stream.waitFor((e) => e.event === 'inventory' && e.data.cause === 'hold', 10_000, 'the GA hold');
      expect(change.data.sections).toEqual([{ section_id: event.gaSectionId, kind: 'GA', available_count: 3 }]);
    });
  });

  test('a fan who reconnects with Last-Event-ID gets the changes missed meanwhile, in order, and nothing twice', async () => {
    const event = await createEventViaApi(e2e.api, e2e.admin, { rows: 1, seatsPerRow: 4 });
    const first = await watch(e2e.stack.url, event.eventId);
    const buyer = await registerBuyer(e2e.api);
    expect((await hold(buyer, event, { seat_ids: [event.seatIds[0]] })).status).toBe(201);
    await first.waitFor(seatBecomes(event.seatIds[0]!, 'HELD'));
    const resumeFrom = first.lastEventId()!;
    first.close();

    expect((await hold(buyer, event, { seat_ids: [event.seatIds[1]] })).status).toBe(201);
    expect((await hold(buyer, event, { seat_ids: [event.seatIds[2]] })).status).toBe(201);
    const again = await watch(e2e.stack.url, event.eventId, { 'Last-Event-ID': resumeFrom });
    const ready = again.events.findIndex((e) => e.event === 'ready');
    const replayed = again.events.slice(0, ready).filter((e) => e.event === 'inventory');
    expect(replayed.map((e) => e.data.seats.map((s: { seat_id: string }) => s.seat_id))).toEqual([[event.seatIds[1]], [event.seatIds[2]]]);
    expect(again.events[ready]!.id).toBe(replayed[1]!.id);

    // Live from there on, with nothing replayed twice.
    expect((await hold(buyer, event, { seat_ids: [event.seatIds[3]] })).status).toBe(201);
    await again.waitFor(seatBecomes(event.seatIds[3]!, 'HELD'));
    const ids = again.events.filter((e) => e.event === 'inventory').map((e) => e.id);
    expect(new Set(ids).size).toBe(3);
  });

  test('a fan who loads the map and opens the stream from its X-Last-Event-Id gets every change made in between', async () => {
    const event = await createEventViaApi(e2e.api, e2e.admin, { rows: 1, seatsPerRow: 3 });
    const buyer = await registerBuyer(e2e.api);
    expect((await hold(buyer, event, { seat_ids: [event.seatIds[0]] })).status).toBe(201);
    const map = await e2e.api.get(`/api/v1/events/${event.eventId}/seats`);
    const position = map.headers.get('x-last-event-id')!;
    expect(position).toMatch(/^\d+-\d+$/);
    // The map may be the one read just before the first hold (within its bound): then that hold comes after it.
    const firstInMap = map.body.sections[0].seats[0].status === 'HELD';
    expect((await hold(buyer, event, { seat_ids: [event.seatIds[1]] })).status).toBe(201);

    const stream = await openSse(`${e2e.stack.url}/api/v1/events/${event.eventId}/stream?last_event_id=${position}`);
    open.push(stream);
    await stream.waitFor((e) => e.event === 'ready');
    const replayed = stream.events.filter((e) => e.event === 'inventory');
    expect(replayed.map((e) => e.data.seats[0].seat_id)).toEqual(firstInMap ? [event.seatIds[1]] : [event.seatIds[0], event.seatIds[1]]);
    expect(replayed.every((e) => e.data.seats[0].status === 'HELD')).toBe(true);
  });

  test('a fan whose Last-Event-ID is older than the changes kept is told to reload the map', async () => {
    const event = await createEventViaApi(e2e.api, e2e.admin, { rows: 1, seatsPerRow: 2 });
    const redis = e2e.stack.server.deps.redis;
    const key = inventoryStreamKey(event.eventId);
    const firstId = await redis.xadd(key, '*', 'c', 'hold', 's', '', 'g', '');
    // More changes than are kept: the oldest are trimmed away.
    const pipeline = redis.pipeline();
    for (let i = 0; i < 1300; i++) pipeline.xadd(key, 'MAXLEN', '~', 1000, '*', 'c', 'hold', 's', '', 'g', '');
    await pipeline.exec();

    const stream = await watch(e2e.stack.url, event.eventId, { 'Last-Event-ID': firstId! });
    const reload = stream.events.find((e) => e.event === 'reload');
    expect(reload).toBeDefined();
    expect(reload!.data.event_id).toBe(event.eventId);
    expect(stream.events.filter((e) => e.event === 'inventory')).toEqual([]);
    const garbage = await watch(e2e.stack.url, event.eventId, { 'Last-Event-ID': 'not-an-id' });
    expect(garbage.events.some((e) => e.event === 'reload')).toBe(true);
  });

  test('an unknown event has no stream (404 EVENT_NOT_FOUND), and the stream is in the OpenAPI document', async () => {
    const res = await e2e.api.get('/api/v1/events/7d9f0a43-5b6e-4a57-9b59-1f3f8f0c1a2b/stream');
    expect(res.status).toBe(404);
    expect(res.body.error).toBe('EVENT_NOT_FOUND');
    const doc = (await e2e.api.get('/openapi.json')).body;
    const operation = doc.paths['/api/v1/events/{id}/stream'].get;
    expect(operation.operationId).toBe('streamEventInventory');
    expect(Object.keys(operation.responses['200'].content)).toEqual(['text/event-stream']);
    expect(operation.responses['200'].description).toMatch(/`inventory`.*`reload`.*`heartbeat`/s);
    expect(doc.components.schemas.InventoryChange).toBeDefined();
  });
});

/** fetch() adds Cache-Control: no-cache to a conditional request, which rightly defeats If-None-Match. */
function conditionalGet(url: string, etag: string): Promise<{ status: number; etag: string | undefined; encoding?: string }> {
  return new Promise((resolve, reject) => {
    get(url, { headers: { 'if-none-match': etag } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, etag: res.headers.etag, ...(res.headers['content-encoding'] ? { encoding: res.headers['content-encoding'] } : {}) }));
    }).on('error', reject);
  });
}

describe('the seat map under a sale', () => {
  test('it is compressed and has an ETag; a read made once a confirm has answered shows the seat SOLD, though readers kept the old map hot, and the old ETag gets the new map', async () => {
    const event = await createEventViaApi(e2e.api, e2e.admin, { rows: 20, seatsPerRow: 50 });
    const url = `${e2e.stack.url}/api/v1/events/${event.eventId}/seats`;
    const first = await fetch(url, { headers: { 'accept-encoding': 'gzip' } });
    expect(first.status).toBe(200);
    expect(first.headers.get('content-encoding')).toBe('gzip');
    expect(first.headers.get('vary')).toMatch(/Accept-Encoding/i);
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^W\/".+"$/);
    expect(((await first.json()) as { total_available: number }).total_available).toBe(1000);
    expect(await conditionalGet(url, etag)).toEqual({ status: 304, etag });
    // A client that asks for no encoding (curl, a script) gets plain JSON.
    expect(await conditionalGet(url, 'W/"another"')).toEqual({ status: 200, etag });
    const br = await fetch(url, { headers: { 'accept-encoding': 'br' } });
    expect(br.headers.get('content-encoding')).toBe('br');
    expect(((await br.json()) as { total_available: number }).total_available).toBe(1000);

    // Readers keep the map hot in every cache while buyers pay for seats. A confirm answers once the
    // sale is committed and announced (the version moved on), so a read started after it must show the
    // seat SOLD at once, not when the cached map's bound runs out. Three sales, each read right after.
    // Each is staged so that a map read before the sale committed is still within its bound when the
    // confirm answers: the maps cached so far are let run out, the sale is made to wait for the seat's
    // row (the test holds it), one read loads the map afresh (the seat HELD) and the readers keep it
    // hot, and only then does the sale go on. The read after the confirm shows SOLD only if the sale
    // moved the map's key on.
    type SeatMap = { sections: Array<{ seats: Array<{ seat_id: string; status: string }> }> };
    const statusIn = (map: SeatMap, seatId: string): string => map.sections[0]!.seats.find((s) => s.seat_id === seatId)!.status;
    const read = async (seat: string): Promise<string> => statusIn((await (await fetch(url)).json()) as SeatMap, seat);
    const pool = e2e.stack.server.deps.pool;
    let reading = true;
    let readsDuringSales = 0;
    const reader = async () => {
      while (reading) {
        await (await fetch(url)).json();
        readsDuringSales += 1;
      }
    };
    const buyer = await registerBuyer(e2e.api);
    const sold = [event.seatIds[7]!, event.seatIds[8]!, event.seatIds[9]!];
    const seenBefore: string[] = [];
    const seenRightAfter: string[] = [];
    for (const seat of sold) {
      const held = await hold(buyer, event, { seat_ids: [seat] });
      expect(held.status).toBe(201);
      await new Promise((resolve) => setTimeout(resolve, SEAT_MAP_TTL_MS + 100));
      const seatRow = await holdRowLock(pool, 'SELECT 1 FROM seats WHERE id = $1 FOR UPDATE', [seat]);
      let released = false;
      const release = async (): Promise<void> => {
        if (released) return;
        released = true;
        await seatRow.release();
      };
      try {
        const confirming = e2e.api.post(`/api/v1/reservations/${held.body.reservation_id}/confirm`, { payment_method_id: 'pm_card_visa' }, { token: buyer.token });
        await waitForLockWaiters(pool, 1, 10_000); // the payment is taken; the sale waits for the seat
        seenBefore.push(await read(seat));
        reading = true;
        const readers = [reader(), reader(), reader()];
        await release();
        const paid = await confirming;
        expect(paid.status).toBe(200);
        // The readers' loads in flight end first: a read that finds the new version being loaded by
        // someone else is, by design, answered from the map in hand (within its bound).
        reading = false;
        await Promise.all(readers);
        seenRightAfter.push(await read(seat));
      } finally {
        await release();
      }
    }
    expect(seenBefore).toEqual(['HELD', 'HELD', 'HELD']);
    expect(readsDuringSales).toBeGreaterThan(0);
    expect(seenRightAfter).toEqual(['SOLD', 'SOLD', 'SOLD']);

    const after = await conditionalGet(url, etag);
    expect(after.status).toBe(200);
    expect(after.etag).not.toBe(etag);
  });
});
