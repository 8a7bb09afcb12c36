/** The `--live` part of the bench's table: seat-map reads, live-stream delay, waiting-list offers. */
import type { LiveReport } from './bench-live';
import type { Percentiles } from './bench-stats';

/** The issue's goals on this machine (docs/benchmarks.md, "Live availability and the waiting list"). */
export const LIVE_TARGETS = { seatMapP95Ms: 50, sseP99Ms: 1000, offerP99Ms: 1000 } as const;

const ms = (v: number | null): string => (v === null ? '-' : v.toFixed(1));
const triple = (p: Percentiles): string => `${ms(p.p50_ms)} / ${ms(p.p95_ms)} / ${ms(p.p99_ms)} ms (n=${p.count})`;
const mark = (met: boolean): string => (met ? 'OK' : 'MISS');
const below = (v: number | null, limit: number): boolean => v !== null && v < limit;

export function renderLive(r: LiveReport): string {
  const m = r.seatMap;
  const rows: Array<[string, string, string, string]> = [
    [`seat map reads (${m.perSecond}/s of ${r.options.mapRate}/s asked, gzip) p50/p95/p99`, triple(m.latency), `p95 < ${LIVE_TARGETS.seatMapP95Ms} ms`, mark(below(m.latency.p95_ms, LIVE_TARGETS.seatMapP95Ms))],
    ['  answers / dropped (client behind) / mean body', `${Object.entries(m.status).map(([k, n]) => `${k} ${n}`).join(', ')} / ${m.dropped} / ${m.meanBytes ?? '-'} B`, '', ''],
    [`SSE delay, release commit -> client (${r.sse.clients} clients) p50/p95/p99`, triple(r.sse.releaseToClient), `p99 < ${LIVE_TARGETS.sseP99Ms} ms`, mark(below(r.sse.releaseToClient.p99_ms, LIVE_TARGETS.sseP99Ms))],
    ['  held_until -> client (expiries, includes release lag)', triple(r.sse.heldUntilToClient), '', ''],
    [`waiting-list offer after held_until (${r.waitlist.offers} offers, ${r.waitlist.fansInLine} fans) p50/p95/p99`, triple(r.waitlist.offerAfterHeldUntil), `p99 < ${LIVE_TARGETS.offerP99Ms} ms`, mark(below(r.waitlist.offerAfterHeldUntil.p99_ms, LIVE_TARGETS.offerP99Ms))],
    ['  places offered twice', String(r.waitlist.offeredTwice), '0', r.waitlist.offeredTwice === 0 ? 'OK' : 'FAIL'],
  ];
  const w = [0, 1, 2].map((i) => Math.max(...rows.map((row) => row[i]!.length)));
  return ['', 'Live availability and the waiting list (--live):', ...rows.map((row) => row.map((c, i) => (i < 3 ? c.padEnd(w[i]!) : c)).join('  ').trimEnd())].join('\n');
}
