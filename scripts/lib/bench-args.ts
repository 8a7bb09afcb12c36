/** Command-line flags of `npm run bench` (node:util parseArgs, then checked and given defaults). */
import { parseArgs as parseFlags } from 'node:util';
import { parseEngine, type TemporalEngine } from './temporal-engine';

export type BenchMode = 'sale' | 'curve' | 'waiting-room' | 'smoke' | 'worker-cache' | 'cancel-event' | 'resale';

export interface BenchOptions {
  mode: BenchMode;
  /** The Temporal server(s) to run on, one after the other (more than one: --curve only). */
  engines: TemporalEngine[];
  seats: number;
  rows: number;
  seatsPerRow: number;
  ga: number;
  buyers: number;
  durationSeconds: number;
  holdSeconds: number;
  abandonRate: number;
  rate: number;
  out: string;
  workers: number;
  baselineSeconds: number;
  /** --curve: offered rates, one step each, and how long each step lasts. */
  steps: number[];
  stepSeconds: number;
  /** --waiting-room: fans who join the queue at once. */
  fans: number;
  /** --worker-cache: open reservations to measure the worker's memory with. */
  workflows: number;
  /** --cancel-event: confirmed orders of the event that is then cancelled. */
  orders: number;
  /** --profile: the worker, API and floor worker run under Node's CPU profiler, their profiles written here. */
  profileDir: string | null;
  /** --resale: tickets listed for resale, and the buyers who race for each at once. */
  listings: number;
  racers: number;
  /** --live: fans' reads of the seat map, live-stream clients and a waiting list alongside the sale. */
  live: { mapRate: number; sseClients: number; waitlistSeats: number; waitlistFans: number; offerSeconds: number } | null;
}

interface FlagSpec {
  name: string;
  value?: string;
  help: string;
}

const FLAGS: FlagSpec[] = [
  { name: 'seats', value: 'S', help: 'seats in the SEATED section, in equal rows of up to 100 (default 2000 = 20 x 100)' },
  { name: 'ga', value: 'G', help: 'capacity of the GA section (default 3000)' },
  { name: 'buyers', value: 'C', help: 'concurrent buyers, registered through the API (default 200)' },
  { name: 'duration', value: 'SECONDS', help: 'load window (default 45)' },
  { name: 'hold-seconds', value: 'H', help: 'hold duration asked by buyers who abandon; short so they expire during the run (default 5)' },
  { name: 'abandon-rate', value: 'R', help: 'fraction of successful holds that are never paid (default 0.4)' },
  { name: 'rate', value: 'N', help: 'offered load: hold attempts started per second, open loop (default 100)' },
  { name: 'out', value: 'FILE', help: 'JSON results (default bench-results/bench-<timestamp>.json)' },
  { name: 'workers', value: 'N', help: 'Temporal worker processes (default 1)' },
  { name: 'engine', value: 'E', help: 'the Temporal server: dev (temporal server start-dev, SQLite) or postgres (the Temporal server on PostgreSQL); default $TEMPORAL_ENGINE or dev' },
  { name: 'engines', value: 'LIST', help: 'with --curve: the curve on each engine of the list (e.g. dev,postgres), one after the other, compared in one report' },
  { name: 'profile', value: 'DIR', help: 'the flash sale only: the worker and the API under V8\'s CPU profiler for the load window; profiles and a summary by module in DIR' },
  { name: 'curve', help: 'a stepped run of reservations and of the floor workflow at each rate of --steps: the latency-throughput curve, knees, ratios, an SVG chart' },
  { name: 'steps', value: 'LIST', help: 'with --curve: offered rates per step (default 4,8,12,16,20,24)' },
  { name: 'step-seconds', value: 'S', help: 'with --curve: seconds per step (default 20)' },
  { name: 'waiting-room', help: 'a high-demand on-sale: --fans join the waiting room at once, are admitted and buy; next to the same sale without a waiting room' },
  { name: 'fans', value: 'N', help: 'with --waiting-room: fans joining at once (default 2000)' },
  { name: 'worker-cache', help: 'the worker memory one cached reservation workflow costs: --workflows open holds, then paid (WORKER_MAX_CACHED_WORKFLOWS is set from it)' },
  { name: 'workflows', value: 'N', help: 'with --worker-cache: open reservations (default 1000)' },
  { name: 'cancel-event', help: 'an event with --orders paid orders and open holds: reconciled, cancelled (time to DONE, refunds/s, each payment refunded once), reconciled again; then a seeded inconsistency that reconciliation must name' },
  { name: 'orders', value: 'N', help: 'with --cancel-event: confirmed orders, seats and GA, made through the API (default 300)' },
  { name: 'resale', help: 'resale at face value: --listings tickets listed, then --racers buyers (of --buyers) race for each of them at once; double sales (must be 0), charges and payouts per sale (must be 1), purchase p50/p95' },
  { name: 'listings', value: 'N', help: 'with --resale: tickets listed for resale, one seat each (default 200)' },
  { name: 'racers', value: 'N', help: 'with --resale: buyers racing for each listing at once (default 4; one in ten pays with a declined card)' },
  { name: 'smoke', help: 'every part briefly (a small sale, the bare statements, one curve step with the floor): correctness checks only, for CI (about 40 s)' },
  { name: 'live', help: 'also: seat-map reads at --map-rate, live-stream (SSE) clients and a waiting list, during the sale' },
  { name: 'map-rate', value: 'N', help: 'with --live: seat-map reads per second, open loop, gzip (default 200)' },
  { name: 'sse-clients', value: 'N', help: 'with --live: live-stream clients on the sale event (default 4)' },
  { name: 'waitlist-fans', value: 'N', help: 'with --live: fans in line for a 10-seat section whose holds and offers lapse every 4 s (default 100)' },
];

export function usage(): string {
  const label = (f: FlagSpec): string => `--${f.name}${f.value ? ` ${f.value}` : ''}`;
  const width = Math.max(...FLAGS.map((f) => label(f).length));
  const lines = FLAGS.map((f) => `  ${label(f).padEnd(width)}  ${f.help}`);
  return [
    'npm run bench -- [flags]',
    '',
    'A flash sale on the real stack (PostgreSQL, Redis, Temporal, worker and API as child processes),',
    'then PostgreSQL is checked for oversells and broken invariants, and the same request mix is run',
    'against PostgreSQL alone as a baseline. Exit code 1 only if something was oversold or an invariant failed.',
    '',
    ...lines,
    `  ${'--help'.padEnd(width)}  this text`,
  ].join('\n');
}

export class UsageError extends Error {}

function numberFlag(raw: string, name: string, opts: { integer: boolean; min: number; max: number }): number {
  const value = Number(raw);
  if (!Number.isFinite(value) || (opts.integer && !Number.isInteger(value)) || value < opts.min || value > opts.max) {
    const kind = opts.integer ? 'an integer' : 'a number';
    throw new UsageError(`--${name} must be ${kind} in [${opts.min}, ${opts.max}], got "${raw}"`);
  }
  return value;
}

/** Rows of up to 100 seats like a real hall; every row has the same length in the schema, so pick a divisor. */
function seatLayout(seats: number): { rows: number; seatsPerRow: number } {
  let seatsPerRow = Math.min(100, seats);
  while (seats % seatsPerRow !== 0) seatsPerRow--;
  return { rows: seats / seatsPerRow, seatsPerRow };
}

/** Returns null when --help was asked for. */
export function parseArgs(argv: string[], timestamp: string): BenchOptions | null {
  let parsed;
  try {
    parsed = parseFlags({
      args: argv,
      strict: true,
      options: {
        ...Object.fromEntries(FLAGS.map((f) => [f.name, { type: f.value ? ('string' as const) : ('boolean' as const) }])),
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  if (values.help) return null;
  const get = (name: string, fallback: string): string => (typeof values[name] === 'string' ? (values[name] as string) : fallback);
  const int = (name: string, fallback: number, min: number, max: number): number =>
    numberFlag(get(name, String(fallback)), name, { integer: true, min, max });

  const modes = (['curve', 'waiting-room', 'smoke', 'worker-cache', 'cancel-event', 'resale'] as const).filter((m) => values[m] === true);
  if (modes.length > 1) throw new UsageError(`--${modes.join(' and --')} cannot be combined`);
  const mode: BenchMode = modes[0] ?? 'sale';
  if (values.live === true && mode !== 'sale') throw new UsageError(`--live goes with the flash sale, not with --${mode}`);
  const smoke = mode === 'smoke';
  let engines: TemporalEngine[];
  try {
    engines = typeof values.engines === 'string' ? values.engines.split(',').map((e) => parseEngine(e.trim())) : [parseEngine(get('engine', process.env.TEMPORAL_ENGINE ?? 'dev'))];
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  if (engines.length > 1 && mode !== 'curve') throw new UsageError('--engines (more than one) goes with --curve; for other runs use --engine');
  if (new Set(engines).size !== engines.length) throw new UsageError('--engines lists an engine twice');
  const seats = int('seats', smoke ? 200 : 2000, 1, 100_000);
  const durationSeconds = int('duration', smoke ? 8 : 45, 1, 3600);
  const steps = get('steps', '4,8,12,16,20,24')
    .split(',')
    .map((s) => numberFlag(s.trim(), 'steps', { integer: false, min: 0.1, max: 1000 }));
  return {
    mode,
    engines,
    seats,
    ...seatLayout(seats),
    ga: int('ga', smoke ? 200 : 3000, 1, 1_000_000),
    buyers: int('buyers', smoke ? 20 : 200, 1, 5000),
    durationSeconds,
    holdSeconds: int('hold-seconds', smoke ? 2 : 5, 1, 1800),
    abandonRate: numberFlag(get('abandon-rate', '0.4'), 'abandon-rate', { integer: false, min: 0, max: 1 }),
    rate: numberFlag(get('rate', smoke ? '5' : '100'), 'rate', { integer: false, min: 0.1, max: 5000 }),
    out: get('out', `bench-results/bench-${mode === 'sale' ? '' : `${mode}-`}${timestamp}.json`),
    workers: int('workers', 1, 1, 16),
    profileDir: typeof values.profile === 'string' ? values.profile : null,
    baselineSeconds: smoke ? 3 : Math.min(durationSeconds, 15),
    steps,
    stepSeconds: int('step-seconds', 20, 3, 600),
    fans: int('fans', 2000, 1, 100_000),
    workflows: int('workflows', 1000, 1, 50_000),
    orders: int('orders', 300, 1, 5000),
    listings: int('listings', 200, 1, 5000),
    racers: int('racers', 4, 2, 50),
    live:
      values.live === true
        ? {
            mapRate: numberFlag(get('map-rate', '200'), 'map-rate', { integer: false, min: 1, max: 10_000 }),
            sseClients: int('sse-clients', 4, 1, 1000),
            waitlistSeats: 10,
            waitlistFans: int('waitlist-fans', 100, 1, 5000),
            offerSeconds: 4,
          }
        : null,
  };
}
