/** Command-line flags of `npm run bench`, parsed by hand so the bench needs no extra dependency. */

export interface BenchOptions {
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
  /** --live: fans' reads of the seat map, live-stream clients and a waiting list alongside the sale. */
  live: { mapRate: number; sseClients: number; waitlistSeats: number; waitlistFans: number; offerSeconds: number } | null;
}

interface FlagSpec {
  name: string;
  value: string;
  help: string;
}

const FLAGS: FlagSpec[] = [
  { name: '--seats', value: 'S', help: 'seats in the SEATED section, in equal rows of up to 100 (default 2000 = 20 x 100)' },
  { name: '--ga', value: 'G', help: 'capacity of the GA section (default 3000)' },
  { name: '--buyers', value: 'C', help: 'concurrent buyers, registered through the API (default 200)' },
  { name: '--duration', value: 'SECONDS', help: 'load window (default 45)' },
  { name: '--hold-seconds', value: 'H', help: 'hold duration asked by buyers who abandon; short so they expire during the run (default 5)' },
  { name: '--abandon-rate', value: 'R', help: 'fraction of successful holds that are never paid (default 0.4)' },
  { name: '--rate', value: 'N', help: 'offered load: hold attempts started per second, open loop (default 100)' },
  { name: '--out', value: 'FILE', help: 'JSON results (default bench-results/bench-<timestamp>.json)' },
  { name: '--workers', value: 'N', help: 'Temporal worker processes (default 1)' },
  { name: '--live', value: '', help: 'also: seat-map reads at --map-rate, live-stream (SSE) clients and a waiting list, during the sale' },
  { name: '--map-rate', value: 'N', help: 'with --live: seat-map reads per second, open loop, gzip (default 200)' },
  { name: '--sse-clients', value: 'N', help: 'with --live: live-stream clients on the sale event (default 4)' },
  { name: '--waitlist-fans', value: 'N', help: 'with --live: fans in line for a 10-seat section whose holds and offers lapse every 4 s (default 100)' },
];

export function usage(): string {
  const width = Math.max(...FLAGS.map((f) => `${f.name} ${f.value}`.length));
  const lines = FLAGS.map((f) => `  ${`${f.name} ${f.value}`.padEnd(width)}  ${f.help}`);
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
    throw new UsageError(`${name} must be ${kind} in [${opts.min}, ${opts.max}], got "${raw}"`);
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
  const values = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--help' || arg === '-h') return null;
    const [name, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    if (!FLAGS.some((f) => f.name === name)) throw new UsageError(`unknown argument "${arg}" (see --help)`);
    if (name === '--live') {
      values.set(name, 'yes');
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined) throw new UsageError(`${name} needs a value`);
    values.set(name, value);
  }
  const get = (name: string, fallback: string): string => values.get(name) ?? fallback;
  const int = (name: string, fallback: number, min: number, max: number): number =>
    numberFlag(get(name, String(fallback)), name, { integer: true, min, max });

  const seats = int('--seats', 2000, 1, 100_000);
  const durationSeconds = int('--duration', 45, 1, 3600);
  return {
    seats,
    ...seatLayout(seats),
    ga: int('--ga', 3000, 1, 1_000_000),
    buyers: int('--buyers', 200, 1, 5000),
    durationSeconds,
    holdSeconds: int('--hold-seconds', 5, 1, 1800),
    abandonRate: numberFlag(get('--abandon-rate', '0.4'), '--abandon-rate', { integer: false, min: 0, max: 1 }),
    rate: numberFlag(get('--rate', '100'), '--rate', { integer: false, min: 0.1, max: 5000 }),
    out: get('--out', `bench-results/bench-${timestamp}.json`),
    workers: int('--workers', 1, 1, 16),
    baselineSeconds: Math.min(durationSeconds, 15),
    live: values.has('--live')
      ? {
          mapRate: numberFlag(get('--map-rate', '200'), '--map-rate', { integer: false, min: 1, max: 10_000 }),
          sseClients: int('--sse-clients', 4, 1, 1000),
          waitlistSeats: 10,
          waitlistFans: int('--waitlist-fans', 100, 1, 5000),
          offerSeconds: 4,
        }
      : null,
  };
}
