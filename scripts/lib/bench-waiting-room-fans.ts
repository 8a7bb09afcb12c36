/**
 * The fans of a high-demand on-sale: each joins the waiting room, asks where they stand as often as
 * the API says is useful, and once admitted makes the sale's one buyer turn (a hold with the queue
 * token, then pay or walk away; bench-load's attempt, so both runs buy alike). Also the same fans
 * without a waiting room: every one of them tries to hold at the same instant.
 */
import { field, stringField, type ApiClient, type JsonResponse } from './bench-http';
import { attempt, Tally, type AttemptConfig } from './bench-load';
import { InventoryBelief } from './bench-mix';
import type { Buyer } from './bench-setup';

export type FanOutcome = 'ADMITTED' | 'SOLD_OUT' | 'CLOSED' | 'NOT_IN_QUEUE' | 'JOIN_FAILED' | 'GAVE_UP';

export interface FanRecord {
  joinSentAt: number;
  joinMs: number;
  joinStatus: number | string;
  queueNumber: number | null;
  outcome: FanOutcome;
  admissionNumber: number | null;
  /** When the on-sale workflow admitted the fan (its admitted_at), and when the fan learned it. */
  admittedAt: number | null;
  seenAt: number | null;
  polls: number;
  pollErrors: number;
  /** When the fan's turn (hold, then payment) ended; null if they never got one. */
  doneAt: number | null;
}

export interface RoomFansConfig {
  api: ApiClient;
  buy: AttemptConfig;
  seatIds: readonly string[];
  /** No poll interval may be longer than this: a fan sleeping through its admission window loses its slot. */
  maxPollSeconds: number;
  /** A fan gives up when nobody has been admitted for this long (the room is stuck: report, do not hang). */
  stallMs: number;
}

const NO_HINT_POLL_SECONDS = 1;
/** ±20 %, so fans who joined together do not keep asking in lockstep. */
const JITTER = 0.2;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function numberField(value: unknown, key: string): number | null {
  const v = field(value, key);
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function pollDelayMs(answer: unknown, maxSeconds: number): number {
  const hint = numberField(answer, 'poll_after_seconds') ?? NO_HINT_POLL_SECONDS;
  const seconds = Math.min(Math.max(hint, 0.2), maxSeconds);
  return seconds * 1000 * (1 - JITTER + 2 * JITTER * Math.random());
}

async function call(fn: () => Promise<JsonResponse>): Promise<JsonResponse | Error> {
  try {
    return await fn();
  } catch (err) {
    return err instanceof Error ? err : new Error(String(err));
  }
}

/** Shared by all fans of one room: the last time anyone was seen admitted, to tell a stuck room. */
class RoomProgress {
  lastAdmissionSeen = Date.now();
}

async function oneFan(cfg: RoomFansConfig, eventId: string, fan: Buyer, tally: Tally, belief: InventoryBelief, progress: RoomProgress): Promise<FanRecord> {
  const record: FanRecord = {
    joinSentAt: Date.now(),
    joinMs: 0,
    joinStatus: 0,
    queueNumber: null,
    outcome: 'JOIN_FAILED',
    admissionNumber: null,
    admittedAt: null,
    seenAt: null,
    polls: 0,
    pollErrors: 0,
    doneAt: null,
  };
  const started = performance.now();
  const joined = await call(() => cfg.api.call('POST', `/api/v1/queue/${eventId}/join`, undefined, fan.token));
  record.joinMs = performance.now() - started;
  record.joinStatus = joined instanceof Error ? 'NETWORK_ERROR' : joined.status;
  if (joined instanceof Error || joined.status !== 200) return record;

  let answer: unknown = joined.body;
  for (;;) {
    const state = stringField(answer, 'state');
    record.queueNumber = numberField(answer, 'queue_number') ?? record.queueNumber;
    if (state === 'ADMITTED') break;
    if (state !== 'WAITING' && state !== undefined) {
      record.outcome = state as FanOutcome;
      return record;
    }
    if (Date.now() - progress.lastAdmissionSeen > cfg.stallMs) {
      record.outcome = 'GAVE_UP';
      return record;
    }
    await sleep(state === undefined ? NO_HINT_POLL_SECONDS * 1000 : pollDelayMs(answer, cfg.maxPollSeconds));
    record.polls++;
    const res = await call(() => cfg.api.call('GET', `/api/v1/queue/${eventId}/status`, undefined, fan.token));
    if (res instanceof Error || res.status !== 200) {
      record.pollErrors++;
      answer = null;
    } else answer = res.body;
  }

  record.outcome = 'ADMITTED';
  record.seenAt = Date.now();
  progress.lastAdmissionSeen = record.seenAt;
  record.admissionNumber = numberField(answer, 'admission_number');
  const admittedAt = Date.parse(stringField(answer, 'admitted_at') ?? '');
  record.admittedAt = Number.isFinite(admittedAt) ? admittedAt : null;
  const queueToken = stringField(answer, 'queue_token');
  tally.attempts++;
  await attempt(cfg.buy, tally, belief, { ...fan, ...(queueToken ? { queueToken } : {}) }).catch((err: unknown) => {
    tally.errors++;
    tally.sampleError(`bench bug: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  });
  record.doneAt = Date.now();
  return record;
}

/** Every fan joins at the same instant, then waits its turn; resolves when each has bought, walked away or been turned away. */
export async function runRoomFans(cfg: RoomFansConfig, fans: readonly Buyer[], tally = new Tally()): Promise<{ tally: Tally; records: FanRecord[] }> {
  const belief = new InventoryBelief(cfg.seatIds);
  const progress = new RoomProgress();
  const records = await Promise.all(fans.map((fan) => oneFan(cfg, cfg.buy.eventId, fan, tally, belief, progress)));
  return { tally, records };
}

/** The same fans on an ordinary event: every one makes its turn at the same instant. */
export async function runBurstFans(buy: AttemptConfig, seatIds: readonly string[], fans: readonly Buyer[]): Promise<{ tally: Tally; doneAt: number[] }> {
  const tally = new Tally();
  const belief = new InventoryBelief(seatIds);
  const doneAt = await Promise.all(
    fans.map(async (fan) => {
      tally.attempts++;
      await attempt(buy, tally, belief, fan).catch((err: unknown) => {
        tally.errors++;
        tally.sampleError(`bench bug: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      });
      return Date.now();
    }),
  );
  return { tally, doneAt };
}
