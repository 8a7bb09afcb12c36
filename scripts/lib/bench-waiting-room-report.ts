/** --waiting-room: the figures of a run, side by side with and without the room, as JSON and as a table. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { OnSaleLimits } from '../../src/domain/on-sale';
import { checkAdmissionOrder, orderViolations, type OrderCheck } from './bench-admission-order';
import { Counter, summarize, type Percentiles } from './bench-stats';
import type { SideRun, WaitingRoomRun } from './bench-waiting-room';

/** The goal on this machine, reported next to the figures, never asserted. */
const GOAL_HOLD_P95_MS = 100;

export interface SideSummary {
  event_id: string;
  hold_answers: Record<string, number>;
  hold_error_codes: Record<string, number>;
  share_503: number;
  hold_latency_ok: Percentiles;
  hold_latency_all: Percentiles;
  confirm_latency: Percentiles;
  holds_ok: number;
  confirmed: number;
  abandoned: number;
  tickets_sold: number;
  sale_seconds: number;
  tickets_sold_per_second: number;
  oversold: number;
  invariants_hold: boolean;
  stuck_holds: number;
  reservations_by_status: Record<string, number>;
  cpu_seconds: Record<string, number>;
  error_samples: string[];
}

export interface RoomSummary {
  outcomes: Record<string, number>;
  order: OrderCheck;
  order_violations: number;
  join_answers: Record<string, number>;
  join_latency: Percentiles;
  /** admitted_at (the on-sale workflow's clock) minus when the fan sent its join; same machine, same clock. */
  join_to_admission: Percentiles;
  /** When the fan learned it was admitted (a status poll) minus when it sent its join. */
  join_to_seen: Percentiles;
  /** What the on-sale workflow itself reported (its last 30 s, in samples while fans waited), and the rate from admitted_at. */
  admission_rate: {
    workflow_median: number | null;
    workflow_last_while_waiting: number | null;
    from_admitted_at: number | null;
    peak_active: number | null;
    /** The rate the room steered to (admission control): its median and last while fans waited, and its path. */
    steered_median: number | null;
    steered_last: number | null;
    steered_path: Array<{ at_s: number; rate: number; hold_p95_ms: number | null }>;
  };
  limits: OnSaleLimits | null;
  polls: { total: number; errors: number; per_fan_mean: number; per_second: number };
}

export interface WaitingRoomSummary {
  fans: number;
  register_seconds: number;
  room: SideSummary & { waiting_room: RoomSummary };
  no_room: SideSummary;
  correctness_ok: boolean;
  goal: { hold_p95_ms: number; room_hold_p95_met: boolean; room_no_503: boolean };
}

const round = (v: number, digits = 1): number => Math.round(v * 10 ** digits) / 10 ** digits;

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? null;
}

function side(run: SideRun): SideSummary {
  const { load, verification } = run;
  const answered = Object.values(load.holdStatus).reduce((a, b) => a + b, 0);
  const sold = verification.sections.reduce((sum, s) => sum + (s.counts.sold ?? 0), 0);
  return {
    event_id: run.event.eventId,
    hold_answers: load.holdStatus,
    hold_error_codes: load.holdErrorCodes,
    share_503: answered > 0 ? round((load.holdStatus['503'] ?? 0) / answered, 4) : 0,
    hold_latency_ok: load.holdLatencyOk,
    hold_latency_all: load.holdLatencyAll,
    confirm_latency: load.confirmLatency,
    holds_ok: load.holdsOk,
    confirmed: load.confirmed,
    abandoned: load.abandoned.length,
    tickets_sold: sold,
    sale_seconds: round(run.saleMs / 1000),
    tickets_sold_per_second: run.saleMs > 0 ? round(sold / (run.saleMs / 1000)) : 0,
    oversold: verification.oversold.total,
    invariants_hold: verification.sections.every((s) => s.ok),
    stuck_holds: run.stuck.count,
    reservations_by_status: verification.reservations_by_status,
    cpu_seconds: run.cpu.cpu_seconds,
    error_samples: load.errorSamples,
  };
}

function roomOnly(run: WaitingRoomRun['room']): RoomSummary {
  const outcomes = new Counter();
  const joins = new Counter();
  for (const r of run.records) {
    outcomes.inc(r.outcome);
    joins.inc(String(r.joinStatus));
  }
  const admitted = run.records.filter((r) => r.outcome === 'ADMITTED' && r.admissionNumber !== null && r.queueNumber !== null);
  const order = checkAdmissionOrder(admitted.map((r) => ({ queueNumber: r.queueNumber as number, admissionNumber: r.admissionNumber as number })));
  const admittedAt = admitted.flatMap((r) => (r.admittedAt === null ? [] : [r.admittedAt])).sort((a, b) => a - b);
  const spanS = admittedAt.length > 1 ? ((admittedAt[admittedAt.length - 1] as number) - (admittedAt[0] as number)) / 1000 : 0;
  const waitingSamples = run.samples.filter((s) => s.waiting > 0 && s.admission_rate_per_second !== null);
  const polls = run.records.reduce((sum, r) => sum + r.polls, 0);
  return {
    outcomes: outcomes.toJSON(),
    order,
    order_violations: orderViolations(order),
    join_answers: joins.toJSON(),
    join_latency: summarize(run.records.map((r) => r.joinMs)),
    join_to_admission: summarize(admitted.flatMap((r) => (r.admittedAt === null ? [] : [r.admittedAt - r.joinSentAt]))),
    join_to_seen: summarize(admitted.flatMap((r) => (r.seenAt === null ? [] : [r.seenAt - r.joinSentAt]))),
    admission_rate: {
      workflow_median: median(waitingSamples.map((s) => s.admission_rate_per_second as number)),
      workflow_last_while_waiting: waitingSamples[waitingSamples.length - 1]?.admission_rate_per_second ?? null,
      steered_median: median(waitingSamples.map((s) => s.rate_limit_per_second)),
      steered_last: waitingSamples[waitingSamples.length - 1]?.rate_limit_per_second ?? null,
      steered_path: run.samples.map((s) => ({ at_s: s.at_s, rate: s.rate_limit_per_second, hold_p95_ms: s.hold_p95_ms })),
      from_admitted_at: spanS > 0 ? round((admittedAt.length - 1) / spanS, 2) : null,
      peak_active: run.samples.length > 0 ? Math.max(...run.samples.map((s) => s.active)) : null,
    },
    limits: run.view?.limits ?? null,
    polls: {
      total: polls,
      errors: run.records.reduce((sum, r) => sum + r.pollErrors, 0),
      per_fan_mean: run.records.length > 0 ? round(polls / run.records.length) : 0,
      per_second: run.saleMs > 0 ? round(polls / (run.saleMs / 1000)) : 0,
    },
  };
}

export function summarizeWaitingRoom(run: WaitingRoomRun): WaitingRoomSummary {
  const room = { ...side(run.room), waiting_room: roomOnly(run.room) };
  const noRoom = side(run.burst);
  const correct = (s: SideSummary): boolean => s.oversold === 0 && s.invariants_hold;
  const p95 = room.hold_latency_ok.p95_ms;
  return {
    fans: run.fans,
    register_seconds: round(run.registerMs / 1000),
    room,
    no_room: noRoom,
    correctness_ok: room.waiting_room.order_violations === 0 && correct(room) && correct(noRoom),
    goal: { hold_p95_ms: GOAL_HOLD_P95_MS, room_hold_p95_met: p95 !== null && p95 < GOAL_HOLD_P95_MS, room_no_503: (room.hold_answers['503'] ?? 0) === 0 },
  };
}

export function writeWaitingRoomJson(file: string, header: Record<string, unknown>, summary: WaitingRoomSummary, run: WaitingRoomRun): void {
  mkdirSync(dirname(file), { recursive: true });
  const json = { ...header, ...summary, on_sale_samples: run.room.samples };
  writeFileSync(file, `${JSON.stringify(json, null, 2)}\n`);
}

const ms = (v: number | null): string => (v === null ? '-' : v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${v.toFixed(0)} ms`);
const pcts = (p: Percentiles): string => `${ms(p.p50_ms)} / ${ms(p.p95_ms)} / ${ms(p.p99_ms)}`;
const answers = (a: Record<string, number>): string => Object.entries(a).map(([k, n]) => `${n} x ${k}`).join(', ') || '-';

export function renderWaitingRoom(s: WaitingRoomSummary): string {
  const r = s.room;
  const w = r.waiting_room;
  const n = s.no_room;
  const rows: Array<[string, string, string]> = [
    ['hold answers', answers(r.hold_answers), answers(n.hold_answers)],
    ['503 share', `${(r.share_503 * 100).toFixed(1)} %`, `${(n.share_503 * 100).toFixed(1)} %`],
    ['hold p50 / p95 / p99 (successful)', pcts(r.hold_latency_ok), pcts(n.hold_latency_ok)],
    ['hold p50 / p95 / p99 (every answer)', pcts(r.hold_latency_all), pcts(n.hold_latency_all)],
    ['confirm p50 / p95 / p99', pcts(r.confirm_latency), pcts(n.confirm_latency)],
    ['holds / paid / abandoned', `${r.holds_ok} / ${r.confirmed} / ${r.abandoned}`, `${n.holds_ok} / ${n.confirmed} / ${n.abandoned}`],
    ['tickets sold, in (first request -> last answer)', `${r.tickets_sold} in ${r.sale_seconds} s`, `${n.tickets_sold} in ${n.sale_seconds} s`],
    ['tickets sold per second', String(r.tickets_sold_per_second), String(n.tickets_sold_per_second)],
    ['oversold / stuck holds / invariants', `${r.oversold} / ${r.stuck_holds} / ${r.invariants_hold ? 'hold' : 'FAIL'}`, `${n.oversold} / ${n.stuck_holds} / ${n.invariants_hold ? 'hold' : 'FAIL'}`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  const col = Math.max(...rows.map(([, a]) => a.length), 'waiting room'.length);
  const limits = w.limits
    ? `max active ${w.limits.maxActive}, max ${w.limits.maxAdmissionsPerSecond} admissions/s, tick ${w.limits.tickMs} ms, admission window ${w.limits.admissionWindowSeconds} s`
    : 'unknown (the on-sale workflow never answered a query)';
  const rate = w.admission_rate;
  return [
    '',
    `Waiting room: ${s.fans} fans at once (registered in ${s.register_seconds} s), the same inventory with and without a room`,
    `  on-sale limits in effect: ${limits}`,
    '',
    `  ${''.padEnd(width)}  ${'waiting room'.padEnd(col)}  no waiting room`,
    ...rows.map(([k, a, b]) => `  ${k.padEnd(width)}  ${a.padEnd(col)}  ${b}`),
    '',
    `  admission order violations: ${w.order_violations} (${w.order.inversions} inverted pairs, ${w.order.duplicateAdmissionNumbers} + ${w.order.duplicateQueueNumbers} numbers given twice) over ${w.order.admitted} admitted fans`,
    `  fans: ${answers(w.outcomes)}; joins answered ${answers(w.join_answers)}, p50 / p95 / p99 ${pcts(w.join_latency)}`,
    `  join -> admitted (admitted_at) p50 / p95 / max: ${ms(w.join_to_admission.p50_ms)} / ${ms(w.join_to_admission.p95_ms)} / ${ms(w.join_to_admission.max_ms)}`,
    `  join -> fan saw it (status poll) p50 / p95 / max: ${ms(w.join_to_seen.p50_ms)} / ${ms(w.join_to_seen.p95_ms)} / ${ms(w.join_to_seen.max_ms)}`,
    `  admission rate: on-sale workflow reported ${rate.workflow_median ?? '-'}/s (median while fans waited; last ${rate.workflow_last_while_waiting ?? '-'}/s); ` +
      `${rate.from_admitted_at ?? '-'}/s from admitted_at; peak active ${rate.peak_active ?? '-'}`,
    `  admission control: the room steered to ${rate.steered_median ?? '-'}/s (median while fans waited; last ${rate.steered_last ?? '-'}/s), ` +
      `path ${rate.steered_path.filter((_, i, all) => i % Math.max(1, Math.ceil(all.length / 12)) === 0).map((p) => `${p.at_s}s:${p.rate}/s(p95 ${p.hold_p95_ms ?? '-'})`).join(' ')}`,
    `  status polls: ${w.polls.total} (${w.polls.per_fan_mean} per fan, ${w.polls.per_second}/s), ${w.polls.errors} failed`,
    '',
    `  goal (reported, not asserted): admitted fans' hold p95 < ${s.goal.hold_p95_ms} ms: ${s.goal.room_hold_p95_met ? 'met' : 'MISSED'} (${ms(r.hold_latency_ok.p95_ms)}); ` +
      `no 503: ${s.goal.room_no_503 ? 'met' : 'MISSED'}`,
    `  correctness: ${s.correctness_ok ? 'OK' : 'FAILED'} (order, oversell, invariants of both events)`,
    ...(r.error_samples.length > 0 ? ['  waiting room error samples:', ...r.error_samples.map((e) => `    ${e}`)] : []),
  ].join('\n');
}
