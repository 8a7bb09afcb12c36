/**
 * `--live`: what fans see while the sale runs. An open-loop read load on the sale's seat map (as
 * browsers would ask for it: gzip), Server-Sent Events clients on the sale event (when each release
 * reaches them), and a waiting list on an event of its own whose places keep coming back: its holds
 * expire unpaid, each release offers them to the next fans, whose offers expire in turn.
 */
import { mapWithConcurrency } from '../../src/shared/concurrency';
import { Agent, get, request } from 'node:http';
import type { Pool } from 'pg';
import { expectStatus, field, type ApiClient } from './bench-http';
import { createVenue, registerBuyers, type Buyer } from './bench-setup';
import { LatencyLog, summarize, type Percentiles } from './bench-stats';

const HOST = '127.0.0.1';
const API = '/api/v1';
const TICK_MS = 5;
/** Reads in flight at most: past it a scheduled read is counted as dropped (the server is behind), not queued. */
const MAX_READS_IN_FLIGHT = 256;

export interface LiveOptions {
  port: number;
  saleEventId: string;
  mapRate: number;
  sseClients: number;
  waitlistSeats: number;
  waitlistFans: number;
  offerSeconds: number;
}

export interface WaitlistStage {
  eventId: string;
  sectionId: string;
  seatIds: string[];
  holders: Buyer[];
  fans: Buyer[];
}

/** The waiting list's event: one row of seats, all of it to be held by the holders, a line of fans behind. */
export async function setUpWaitlistStage(api: ApiClient, adminToken: string, tag: string, o: LiveOptions): Promise<WaitlistStage> {
  const shape = await createVenue(api, adminToken, `${tag}-waitlist`, { rows: 1, seatsPerRow: o.waitlistSeats, ga: 1 });
  const created = expectStatus(
    await api.call(
      'POST',
      `${API}/events`,
      {
        name: `Bench waiting list ${tag}`,
        venue_id: shape.venueId,
        starts_at: new Date(Date.now() + 30 * 86_400_000).toISOString(),
        prices: [{ section_id: shape.seatedSectionId, price_cents: 9000 }],
        // Offers are held this long: unpaid, each moves on to the next fan within the run.
        hold_duration_seconds: o.offerSeconds,
      },
      adminToken,
    ),
    201,
    'create waiting-list event',
  );
  const eventId = String(field(created, 'id'));
  const map = expectStatus(await api.call('GET', `${API}/events/${eventId}/seats`), 200, 'waiting-list seat map');
  const section = (field(map, 'sections') as Array<{ seats?: Array<{ seat_id: string }> }>)[0];
  const seatIds = (section?.seats ?? []).map((s) => s.seat_id);
  const people = await registerBuyers(api, o.waitlistSeats + o.waitlistFans, `${tag}-wl`);
  return { eventId, sectionId: shape.seatedSectionId, seatIds, holders: people.slice(0, o.waitlistSeats), fans: people.slice(o.waitlistSeats) };
}

export interface LiveSamples {
  mapLatency: Percentiles;
  mapRequests: number;
  mapDropped: number;
  mapStatus: Record<string, number>;
  mapBytesMean: number | null;
  mapWindowMs: number;
  /** Seat releases seen on the live stream: which seat, when (epoch ms), by how many clients. */
  releasesSeen: Array<{ seatId: string; atMs: number }>;
  sseConnected: number;
  sseEvents: number;
  offersJoined: number;
}

/** The fans' side of the sale, started with the sale and stopped with it. */
export class LiveLoad {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 64, maxFreeSockets: 64 });
  private readonly latency = new LatencyLog();
  private readonly status = new Map<string, number>();
  private readonly bytes: number[] = [];
  private readonly releases: Array<{ seatId: string; atMs: number }> = [];
  private readonly streams: Array<() => void> = [];
  private sseEvents = 0;
  private sseConnected = 0;
  private requests = 0;
  private dropped = 0;
  private inFlight = 0;
  private running = false;
  private readLoop: Promise<void> = Promise.resolve();
  private windowMs = 0;
  private joined = 0;

  constructor(
    private readonly api: ApiClient,
    private readonly o: LiveOptions,
    private readonly stage: WaitlistStage,
  ) {}

  /** Connects the live clients, fills the waiting list's event and puts its fans in line, then starts reading. */
  async start(): Promise<void> {
    for (let i = 0; i < this.o.sseClients; i++) await this.openStream();
    // Every seat held, then the line: the holds lapse within offerSeconds and the offers begin.
    await mapWithConcurrency(this.stage.holders, 8, async (holder, i) => {
      const res = await this.api.call(
        'POST',
        `${API}/reservations`,
        { event_id: this.stage.eventId, seat_ids: [this.stage.seatIds[i]], hold_duration_seconds: this.o.offerSeconds },
        holder.token,
      );
      expectStatus(res, 201, 'waiting-list hold');
    });
    for (const fan of this.stage.fans) {
      const res = await this.api.call('POST', `${API}/events/${this.stage.eventId}/waitlist`, { section_id: this.stage.sectionId, quantity: 1 }, fan.token);
      if (res.status === 201) this.joined++;
    }
    this.running = true;
    this.readLoop = this.readMap();
  }

  async stop(): Promise<LiveSamples> {
    this.running = false;
    await this.readLoop;
    // The line stops here: fans still waiting leave, so no offer outlives the run (the bench's clean-up
    // cancels the workflows left on its task queue, and a cancelled offer would offer onwards).
    await mapWithConcurrency(this.stage.fans, 8, (fan) => this.api.call('DELETE', `${API}/events/${this.stage.eventId}/waitlist`, undefined, fan.token));
    for (const close of this.streams) close();
    this.agent.destroy();
    return {
      mapLatency: this.latency.summary(),
      mapRequests: this.requests,
      mapDropped: this.dropped,
      mapStatus: Object.fromEntries(this.status),
      mapBytesMean: this.bytes.length > 0 ? Math.round(this.bytes.reduce((a, b) => a + b, 0) / this.bytes.length) : null,
      mapWindowMs: this.windowMs,
      releasesSeen: this.releases,
      sseConnected: this.sseConnected,
      sseEvents: this.sseEvents,
      offersJoined: this.joined,
    };
  }

  /** Open loop: reads start on schedule whatever the answers' latency. */
  private async readMap(): Promise<void> {
    const interval = 1000 / this.o.mapRate;
    const start = performance.now();
    let scheduled = 0;
    const pending = new Set<Promise<void>>();
    while (this.running) {
      const due = Math.floor((performance.now() - start) / interval) + 1;
      for (; scheduled < due; scheduled++) {
        if (this.inFlight >= MAX_READS_IN_FLIGHT) {
          this.dropped++;
          continue;
        }
        const read = this.readOnce().finally(() => pending.delete(read));
        pending.add(read);
      }
      await new Promise((resolve) => setTimeout(resolve, TICK_MS));
    }
    this.windowMs = performance.now() - start;
    await Promise.all(pending);
  }

  private readOnce(): Promise<void> {
    this.inFlight++;
    this.requests++;
    const started = performance.now();
    return new Promise<void>((resolve) => {
      const req = request(
        { host: HOST, port: this.o.port, path: `${API}/events/${this.o.saleEventId}/seats`, agent: this.agent, headers: { 'accept-encoding': 'gzip' } },
        (res) => {
          let size = 0;
          res.on('data', (chunk: Buffer) => (size += chunk.length));
          res.on('end', () => {
            this.latency.add(performance.now() - started);
            this.count(String(res.statusCode));
            this.bytes.push(size);
            resolve();
          });
          res.on('error', () => {
            this.count('RESPONSE_ERROR');
            resolve();
          });
        },
      );
      req.on('error', () => {
        this.count('NETWORK_ERROR');
        resolve();
      });
      req.end();
    }).finally(() => this.inFlight--);
  }

  private count(key: string): void {
    this.status.set(key, (this.status.get(key) ?? 0) + 1);
  }

  private openStream(): Promise<void> {
    return new Promise((resolve, reject) => {
      const req = get({ host: HOST, port: this.o.port, path: `${API}/events/${this.o.saleEventId}/stream`, headers: { accept: 'text/event-stream' } }, (res) => {
        if (res.statusCode !== 200) {
          reject(new Error(`live stream: HTTP ${String(res.statusCode)}`));
          return;
        }
        this.sseConnected++;
        let buffer = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          const atMs = Date.now();
          buffer += chunk;
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            this.onFrame(buffer.slice(0, end), atMs);
            buffer = buffer.slice(end + 2);
          }
        });
        res.on('error', () => undefined);
        resolve();
      });
      req.on('error', reject);
      this.streams.push(() => req.destroy());
    });
  }

  private onFrame(frame: string, atMs: number): void {
    const event = /^event: (.*)$/m.exec(frame)?.[1];
    const data = /^data: (.*)$/m.exec(frame)?.[1];
    if (event !== 'inventory' || !data) return;
    this.sseEvents++;
    const change = JSON.parse(data) as { cause: string; seats: Array<{ seat_id: string; status: string }> };
    if (change.cause !== 'release') return;
    for (const seat of change.seats) this.releases.push({ seatId: seat.seat_id, atMs });
  }
}

export interface LiveReport {
  options: Omit<LiveOptions, 'port' | 'saleEventId'>;
  seatMap: { requests: number; perSecond: number; dropped: number; status: Record<string, number>; meanBytes: number | null; latency: Percentiles };
  /** From the release's commit (released_at) to a connected client, per released seat and client. */
  sse: { clients: number; events: number; releaseToClient: Percentiles; heldUntilToClient: Percentiles };
  waitlist: {
    fansInLine: number;
    offers: number;
    /** offered_at minus the held_until of the hold whose expiry freed the place. */
    offerAfterHeldUntil: Percentiles;
    /** Seats with two live reservations, entries with two offers: both must be 0. */
    offeredTwice: number;
  };
}

/** Joins what the clients saw with what PostgreSQL recorded. */
export async function measureLive(pool: Pool, samples: LiveSamples, o: LiveOptions, stage: WaitlistStage): Promise<LiveReport> {
  const { rows: released } = await pool.query<{ seat_id: string; released_at: Date; held_until: Date; status: string }>(
    `SELECT i.seat_id, r.released_at, r.held_until, r.status FROM reservations r JOIN reservation_items i ON i.reservation_id = r.id
      WHERE r.event_id = $1 AND r.released_at IS NOT NULL AND i.seat_id IS NOT NULL`,
    [o.saleEventId],
  );
  const bySeat = new Map<string, Array<{ releasedAt: number; heldUntil: number; expired: boolean }>>();
  for (const r of released) {
    const list = bySeat.get(r.seat_id) ?? [];
    list.push({ releasedAt: r.released_at.getTime(), heldUntil: r.held_until.getTime(), expired: r.status === 'EXPIRED' });
    bySeat.set(r.seat_id, list);
  }
  const fromRelease: number[] = [];
  const fromDeadline: number[] = [];
  for (const seen of samples.releasesSeen) {
    // The release this delivery announced: the latest one of that seat before it arrived.
    const match = (bySeat.get(seen.seatId) ?? []).filter((r) => r.releasedAt <= seen.atMs).sort((a, b) => b.releasedAt - a.releasedAt)[0];
    if (!match) continue;
    fromRelease.push(seen.atMs - match.releasedAt);
    if (match.expired) fromDeadline.push(seen.atMs - match.heldUntil);
  }
  const { rows: offers } = await pool.query<{ lag_ms: number | null }>(
    `SELECT (extract(epoch FROM (w.offered_at - r.held_until)) * 1000)::float8 AS lag_ms
       FROM waitlist_entries w JOIN reservations r ON w.offered_after = 'reservation:' || r.id
      WHERE w.event_id = $1 AND r.release_reason = 'HOLD_EXPIRED'`,
    [stage.eventId],
  );
  const { rows: twice } = await pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM (
       SELECT i.seat_id FROM reservation_items i JOIN reservations r ON r.id = i.reservation_id
        WHERE r.event_id = $1 AND r.status IN ('HELD', 'PAYMENT_PENDING', 'CONFIRMED') GROUP BY i.seat_id HAVING count(*) > 1
       UNION ALL
       SELECT r.user_id FROM waitlist_entries w JOIN reservations r ON r.id = w.reservation_id
        WHERE w.event_id = $1 GROUP BY w.id, r.user_id HAVING count(*) > 1) AS doubled`,
    [stage.eventId],
  );
  const { port: _port, saleEventId: _sale, ...options } = o;
  return {
    options,
    seatMap: {
      requests: samples.mapRequests,
      perSecond: samples.mapWindowMs > 0 ? Math.round((samples.mapRequests / (samples.mapWindowMs / 1000)) * 10) / 10 : 0,
      dropped: samples.mapDropped,
      status: samples.mapStatus,
      meanBytes: samples.mapBytesMean,
      latency: samples.mapLatency,
    },
    sse: { clients: samples.sseConnected, events: samples.sseEvents, releaseToClient: summarize(fromRelease), heldUntilToClient: summarize(fromDeadline) },
    waitlist: {
      fansInLine: samples.offersJoined,
      offers: offers.length,
      offerAfterHeldUntil: summarize(offers.flatMap((r) => (r.lag_ms === null ? [] : [r.lag_ms]))),
      offeredTwice: twice[0]?.n ?? 0,
    },
  };
}
