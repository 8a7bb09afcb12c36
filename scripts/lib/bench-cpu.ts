/**
 * Where the CPU went during the sale, from /proc (Linux only; elsewhere it reports nothing). On a
 * 2-core machine that hosts every server, "which process saturates first" explains the latency
 * figures better than any of them alone.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** USER_HZ: 100 on every mainstream Linux build; Node has no sysconf() to ask. */
const TICKS_PER_SECOND = 100;

export interface CpuGroup {
  name: string;
  /** Process ids, resolved at each snapshot (postgres forks a backend per connection). */
  pids: () => number[];
}

export interface CpuUsage {
  window_s: number;
  /** Fraction of all cores busy host-wide (includes anything else running on the machine). */
  host_busy: number | null;
  cores: number | null;
  /** CPU seconds per group over the window. */
  cpu_seconds: Record<string, number>;
}

interface Snapshot {
  at: number;
  host: { busy: number; total: number; cores: number } | null;
  ticks: Map<string, number>;
}

function read(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/** utime + stime; the fields are counted after the ")" closing comm, which may itself contain spaces. */
function processTicks(pid: number): number {
  const stat = read(`/proc/${pid}/stat`);
  if (!stat) return 0;
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11] ?? 0) + Number(fields[12] ?? 0);
}

function hostTicks(): Snapshot['host'] {
  const stat = read('/proc/stat');
  if (!stat) return null;
  const lines = stat.split('\n');
  const values = (lines[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
  const idle = (values[3] ?? 0) + (values[4] ?? 0);
  const total = values.slice(0, 8).reduce((a, b) => a + b, 0);
  return { busy: total - idle, total, cores: lines.filter((l) => /^cpu\d+ /.test(l)).length };
}

/** Pids whose kernel command name is `comm` (e.g. every postgres backend). */
export function pidsByComm(comm: string): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  return entries.filter((e) => /^\d+$/.test(e) && read(`/proc/${e}/comm`)?.trim() === comm).map(Number);
}

/**
 * The database a postgres process serves, from the title postgres gives it ("postgres: <user> <database>
 * <client> <activity>", or "postgres: autovacuum worker <database>"); null for the postmaster and the
 * background processes every database shares (WAL writer, checkpointer, ...).
 */
function postgresDatabase(pid: number): string | null {
  const title = read(`/proc/${pid}/cmdline`)?.replace(/\0/g, ' ').trim() ?? '';
  const words = title.split(/\s+/);
  if (words[0] !== 'postgres:' || words.length < 4) return null;
  return words[1] === 'autovacuum' && words[2] === 'worker' ? (words[3] ?? null) : (words[2] ?? null);
}

/**
 * Postgres processes chosen by the database they serve (null: the postmaster and the background
 * processes every database shares). On one PostgreSQL server, the inventory's share and Temporal's can
 * only be told apart by their backends.
 */
export function postgresPidsServing(match: (database: string | null) => boolean): () => number[] {
  return () => pidsByComm('postgres').filter((pid) => match(postgresDatabase(pid)));
}

/** Pids of `comm` whose command line has `args` in a row (say "--service", "history"). */
export function pidsWithArgs(comm: string, args: readonly string[]): number[] {
  const wanted = args.join('\0');
  return pidsByComm(comm).filter((pid) => `\0${read(`/proc/${pid}/cmdline`) ?? ''}`.includes(`\0${wanted}\0`));
}

export function snapshot(groups: readonly CpuGroup[]): Snapshot {
  return {
    at: performance.now(),
    host: hostTicks(),
    ticks: new Map(groups.map((g) => [g.name, g.pids().reduce((sum, pid) => sum + processTicks(pid), 0)])),
  };
}

/**
 * Per-group usage between two snapshots. A process that exited in between loses its ticks, and one
 * started in between counts from zero: fine for long-lived servers, approximate for postgres backends.
 */
export function usageBetween(before: Snapshot, after: Snapshot): CpuUsage {
  const cpu: Record<string, number> = {};
  for (const [name, ticks] of after.ticks) {
    cpu[name] = Math.round((Math.max(0, ticks - (before.ticks.get(name) ?? 0)) / TICKS_PER_SECOND) * 10) / 10;
  }
  const host =
    before.host && after.host && after.host.total > before.host.total
      ? Math.round(((after.host.busy - before.host.busy) / (after.host.total - before.host.total)) * 100) / 100
      : null;
  return { window_s: Math.round((after.at - before.at) / 100) / 10, host_busy: host, cores: after.host?.cores ?? null, cpu_seconds: cpu };
}
