/**
 * `npm run bench -- --resale`: resale at face value under a race, on the real stack. Sellers buy a
 * seat each and list it; then --racers buyers race for every listing at once (all listings together,
 * one in ten paying with a declined card). Checked from PostgreSQL and the simulated processor's books:
 * no listing sold twice, one charge and one payout per sale, the money of every listing adding up;
 * the figures (purchase p50/p95) are reported, never judged. Exit 1 on a failed check.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, resolve } from 'node:path';
import type { Pool } from 'pg';
import type { ReconciliationReport } from '../../src/operations/reconciliation-reports';
import { simulatedLedger } from '../../src/payments/simulated-provider';
import { createRedis, createTemporalClient, waitForRedis } from '../../src/shared/clients';
import { mapWithConcurrency } from '../../src/shared/concurrency';
import type { BenchOptions } from './bench-args';
import { arrayField, createApiClient, expectStatus, stringField, type ApiClient } from './bench-http';
import type { Children } from './bench-processes';
import { watchForCrash } from './bench-processes';
import { reconcile } from './bench-reconciliation';
import { checksOfResale, renderResale, resaleFacts, type ResaleFacts } from './bench-resale-report';
import { createVenue, login, registerBuyers, type Buyer, type SaleShape } from './bench-setup';
import { summarize, type Percentiles } from './bench-stats';
import { REPO_ROOT } from './processes';
import type { Stack } from './stack';
import { cancelOpenWorkflows } from './temporal-cleanup';

export interface ResaleBenchSystem {
  api: ApiClient;
  pool: Pool;
  stack: Stack;
  children: Children;
  taskQueue: string;
}

const API = '/api/v1';
const SEATS_PER_ROW = 50;
/** Setup requests in flight at once (orders, listings): a sale's pace, not a queue behind two cores. */
const SETUP_CONCURRENCY = 12;
const FACE_VALUE_CENTS = 12_000;
const PRICE_CENTS = 10_000;
const FEE_PERCENT = 10;
const MAX_SELLERS = 50;
/** Connections the race opens at most (beyond, purchases wait for one: the client's queue, counted in their latency). */
const MAX_RACE_SOCKETS = 1000;
/** The payouts follow the sales' answers; they are all due well within this. */
const PAYOUT_WAIT_MS = 60_000;

export interface Attempt {
  listing_id: string;
  buyer: number;
  card: string;
  status: number;
  error: string | null;
  latency_ms: number;
}

export interface ResaleResult {
  options: BenchOptions;
  environment: { node: string; cpus: number; task_queue: string };
  started_at: string;
  finished_at: string;
  event_id: string;
  setup: { sellers: number; buyers: number; listings: number; setup_ms: number };
  race: { attempts: number; wall_ms: number; answers: Record<string, number>; purchase: Percentiles; purchase_200: Percentiles; purchase_409: Percentiles };
  payouts_wait_ms: number;
  facts: ResaleFacts;
  reconciliation: ReconciliationReport;
}

export async function resaleRun(sys: ResaleBenchSystem, options: BenchOptions, timestamp: string, admin: { email: string; password: string }, log: (line: string) => void): Promise<boolean> {
  if (options.racers > options.buyers) throw new Error(`--racers ${options.racers} needs at least as many --buyers (${options.buyers}): each listing's racers are different buyers`);
  const watch = watchForCrash([sys.children.api, ...sys.children.workers, sys.children.floorWorker]);
  const guarded = <T>(p: Promise<T>): Promise<T> => Promise.race([p, watch.crashed]);
  const { client, connection } = createTemporalClient({ TEMPORAL_ADDRESS: sys.stack.temporalAddress, TEMPORAL_NAMESPACE: sys.stack.temporalNamespace });
  const redis = createRedis({ REDIS_URL: childRedisUrl(sys.stack.redisUrl) });
  try {
    await waitForRedis(redis);
    const startedAt = new Date().toISOString();
    const adminToken = await guarded(login(sys.api, admin.email, admin.password));
    const setupStart = performance.now();
    const stage = await guarded(setUp(sys.api, adminToken, options, timestamp, log));
    const listingIds = await guarded(listTickets(sys.api, stage, options.listings));
    const setupMs = performance.now() - setupStart;
    log(`${listingIds.length} tickets listed at ${PRICE_CENTS / 100} (face ${FACE_VALUE_CENTS / 100}, fee ${FEE_PERCENT} %) in ${(setupMs / 1000).toFixed(1)} s`);

    // A connection per purchase: the figures are the server's, not a client pool's queue.
    const racing = createApiClient(sys.children.apiPort, Math.min(listingIds.length * options.racers, MAX_RACE_SOCKETS));
    const raceStart = performance.now();
    const attempts = await guarded(race(racing, listingIds, stage.buyers, options.racers)).finally(() => racing.close());
    const wallMs = performance.now() - raceStart;
    log(`${attempts.length} purchase attempts in ${(wallMs / 1000).toFixed(1)} s: ${JSON.stringify(countBy(attempts, (a) => String(a.status)))}`);

    const payoutsWaitMs = await guarded(waitForPayouts(sys.pool, stage.eventId));
    const facts = await resaleFacts(sys.pool, simulatedLedger(redis), stage.eventId, listingIds, attempts);
    const reconciliation = await guarded(reconcile(sys.api, adminToken, client, sys.pool, stage.eventId));
    await guarded(cancelOpenWorkflows(sys.stack.temporalAddress, sys.stack.temporalNamespace, sys.taskQueue));

    const of = (status: number) => summarize(attempts.filter((a) => a.status === status).map((a) => a.latency_ms));
    const result: ResaleResult = {
      options,
      environment: { node: process.version, cpus: cpus().length, task_queue: sys.taskQueue },
      started_at: startedAt,
      finished_at: new Date().toISOString(),
      event_id: stage.eventId,
      setup: { sellers: stage.sellers.length, buyers: stage.buyers.length, listings: listingIds.length, setup_ms: Math.round(setupMs) },
      race: {
        attempts: attempts.length,
        wall_ms: Math.round(wallMs),
        answers: countBy(attempts, (a) => (a.error ? `${a.status} ${a.error}` : String(a.status))),
        purchase: summarize(attempts.map((a) => a.latency_ms)),
        purchase_200: of(200),
        purchase_409: of(409),
      },
      payouts_wait_ms: payoutsWaitMs,
      facts,
      reconciliation,
    };
    const checks = checksOfResale(result);
    console.log(renderResale(result, checks));
    const out = resolve(REPO_ROOT, options.out);
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, `${JSON.stringify({ ...result, attempts, checks: Object.fromEntries(checks) }, null, 2)}\n`);
    console.log(`\nJSON: ${out}`);
    return checks.every(([, ok]) => ok);
  } finally {
    watch.dispose();
    redis.disconnect();
    await connection.close().catch(() => undefined);
  }
}

/** The Redis database bench.ts gives its children (childEnv), where the simulated processor keeps its books. */
function childRedisUrl(redisUrl: string): string {
  const url = new URL(redisUrl);
  url.pathname = `/${process.env.BENCH_REDIS_DB ?? '2'}`;
  return url.toString();
}

interface Stage {
  shape: SaleShape;
  eventId: string;
  seatIds: string[];
  sellers: Buyer[];
  buyers: Buyer[];
}

async function setUp(api: ApiClient, adminToken: string, options: BenchOptions, tag: string, log: (line: string) => void): Promise<Stage> {
  const rows = Math.ceil(options.listings / SEATS_PER_ROW);
  const shape = await createVenue(api, adminToken, `${tag}-resale`, { rows, seatsPerRow: SEATS_PER_ROW, ga: 10 });
  const created = await api.call(
    'POST',
    `${API}/events`,
    {
      name: `Bench resale ${tag}`,
      venue_id: shape.venueId,
      starts_at: new Date(Date.now() + 30 * 86_400_000).toISOString(),
      prices: [
        { section_id: shape.seatedSectionId, price_cents: FACE_VALUE_CENTS },
        { section_id: shape.gaSectionId, price_cents: FACE_VALUE_CENTS },
      ],
      resale: { allowed: true, max_price_percent: 100, fee_percent: FEE_PERCENT },
    },
    adminToken,
  );
  const eventId = stringField(expectStatus(created, 201, 'create event'), 'id') ?? '';
  const map = expectStatus(await api.call('GET', `${API}/events/${eventId}/seats?section_id=${shape.seatedSectionId}`), 200, 'seat map');
  const seatIds = arrayField(arrayField(map, 'sections')[0], 'seats').map((s) => stringField(s, 'seat_id') ?? '');
  const sellers = await registerBuyers(api, Math.min(MAX_SELLERS, options.listings), `${tag}-seller`);
  const buyers = await registerBuyers(api, options.buyers, `${tag}-buyer`);
  log(`event ${eventId}: ${seatIds.length} seats; ${sellers.length} sellers, ${buyers.length} buyers`);
  return { shape, eventId, seatIds, sellers, buyers };
}

/** Each listing is a seat a seller bought (hold, pay) and then listed. */
async function listTickets(api: ApiClient, stage: Stage, count: number): Promise<string[]> {
  return mapWithConcurrency(
    Array.from({ length: count }, (_, i) => i),
    SETUP_CONCURRENCY,
    async (i) => {
      const seller = stage.sellers[i % stage.sellers.length]!;
      const held = expectStatus(await api.call('POST', `${API}/reservations`, { event_id: stage.eventId, seat_ids: [stage.seatIds[i]] }, seller.token), 201, 'hold');
      const reservationId = stringField(held, 'reservation_id') ?? '';
      const paid = expectStatus(await api.call('POST', `${API}/reservations/${reservationId}/confirm`, { payment_method_id: 'pm_card_visa' }, seller.token), 200, 'confirm');
      const ticketId = stringField(arrayField(paid, 'tickets')[0], 'ticket_id') ?? '';
      const listed = expectStatus(await api.call('POST', `${API}/tickets/${ticketId}/resale`, { price_cents: PRICE_CENTS }, seller.token), 201, 'list');
      return stringField(listed, 'listing_id') ?? '';
    },
  );
}

/** Every listing's racers at once: no buyer waits for another listing's race. */
async function race(api: ApiClient, listingIds: string[], buyers: Buyer[], racers: number): Promise<Attempt[]> {
  const planned = listingIds.flatMap((listingId, i) =>
    Array.from({ length: racers }, (_, k) => {
      const n = i * racers + k;
      return { listingId, buyer: n % buyers.length, card: n % 10 === 9 ? 'pm_card_declined' : 'pm_card_visa' };
    }),
  );
  return Promise.all(
    planned.map(async (p): Promise<Attempt> => {
      const t0 = performance.now();
      const res = await api.call('POST', `${API}/resale/${p.listingId}/purchase`, { payment_method_id: p.card }, buyers[p.buyer]!.token).catch((err: unknown) => ({
        status: 0,
        body: { error: String(err) },
      }));
      return { listing_id: p.listingId, buyer: p.buyer, card: p.card, status: res.status, error: res.status === 200 ? null : (stringField(res.body, 'error') ?? null), latency_ms: Math.round((performance.now() - t0) * 10) / 10 };
    }),
  );
}

/** Waits until every sold listing's seller is paid (each listing's workflow pays after answering its buyer). */
async function waitForPayouts(pool: Pool, eventId: string): Promise<number> {
  const start = performance.now();
  for (;;) {
    const { rows } = await pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM resale_listings l
        WHERE l.event_id = $1 AND l.status = 'SOLD' AND NOT EXISTS (SELECT 1 FROM resale_payouts p WHERE p.listing_id = l.id AND p.status = 'PAID')`,
      [eventId],
    );
    if ((rows[0]?.n ?? 0) === 0) return Math.round(performance.now() - start);
    if (performance.now() - start > PAYOUT_WAIT_MS) return Math.round(performance.now() - start);
    await new Promise((r) => setTimeout(r, 250));
  }
}

function countBy<T>(items: T[], key: (item: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1;
  return counts;
}
