import { createHmac } from 'node:crypto';
import type { Redis } from 'ioredis';
import { waitingRoomKeys } from './keys';

/** One fan's admission, as recorded when the on-sale workflow let them in. */
export interface Admission {
  admissionNumber: number;
  joinNumber: number;
  admittedAtMs: number;
  expiresAtMs: number;
}

export type FanPlace =
  | { state: 'WAITING'; position: number; total: number; joinNumber: number }
  | { state: 'PRE_QUEUE'; opensAtMs: number }
  | { state: 'ADMITTED'; admission: Admission }
  | { state: 'NOT_IN_QUEUE' }
  | { state: 'SOLD_OUT' }
  | { state: 'CLOSED' };

export type RoomState = 'OPEN' | 'SOLD_OUT' | 'CLOSED';

function parseAdmission(raw: string | null | undefined): Admission | null {
  if (!raw) return null;
  const [admissionNumber, joinNumber, admittedAtMs, expiresAtMs] = raw.split(':').map(Number);
  if (admissionNumber === undefined || joinNumber === undefined || admittedAtMs === undefined || expiresAtMs === undefined) return null;
  return { admissionNumber, joinNumber, admittedAtMs, expiresAtMs };
}

/*
 * Joining is one script, so two joins of one fan (a double click, two tabs) cannot both take a
 * number, and a fan still holding a valid admission is not queued again. A fan whose admission
 * lapsed joins again at the back. Before the sale opens a fan joins the pre-queue, which has no order:
 * at opening the on-sale workflow places it in a random order ahead of everyone who joins later
 * (PLACE_PREQUEUE). While everything is sold a fan still joins (tickets may come back) and is told so.
 * Join numbers of later joiners are positive; the pre-queue's places are below them (see PLACE_PREQUEUE).
 */
const JOIN = `
local state = redis.call('HGET', KEYS[5], 'state')
if state == 'CLOSED' then return {state} end
local admitted = redis.call('HGET', KEYS[4], ARGV[1])
if admitted then
  local expires = tonumber(string.match(admitted, '([0-9]+)$'))
  if expires > tonumber(ARGV[2]) then
    if state == 'SOLD_OUT' then return {state} end
    return {'ADMITTED', admitted}
  end
  redis.call('HDEL', KEYS[4], ARGV[1])
end
local number = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not number then
  if redis.call('SISMEMBER', KEYS[6], ARGV[1]) == 1 then return {'PRE_QUEUE'} end
  local placed = redis.call('HGET', KEYS[5], 'prequeue_size')
  if not placed and tonumber(ARGV[2]) < tonumber(ARGV[3]) then
    redis.call('SADD', KEYS[6], ARGV[1])
    return {'PRE_QUEUE'}
  end
  number = redis.call('INCR', KEYS[2])
  redis.call('ZADD', KEYS[1], number, ARGV[1])
end
if state == 'SOLD_OUT' then return {state} end
return {'WAITING', tostring(redis.call('ZRANK', KEYS[1], ARGV[1])), tostring(redis.call('ZCARD', KEYS[1])), tostring(number), redis.call('HGET', KEYS[5], 'prequeue_size') or '0'}
`;

/*
 * The pre-queue, placed once, in the order given (drawn at random by the on-sale workflow): the fan at
 * index i gets score i - n, below every later joiner's join number (1, 2, …). A fan who got into the
 * pre-queue after the order was drawn (a clock a little behind) goes right after the drawn ones. Its
 * size is kept so queue numbers read 1..n for the pre-queue and n + join number after it.
 */
const PLACE_PREQUEUE = `
if redis.call('HGET', KEYS[3], 'prequeue_size') then return -1 end
local members = redis.call('SMEMBERS', KEYS[2])
local inSet = {}
for _, fan in ipairs(members) do inSet[fan] = true end
local order = {}
for i = 1, #ARGV do
  if inSet[ARGV[i]] then
    table.insert(order, ARGV[i])
    inSet[ARGV[i]] = nil
  end
end
local late = {}
for fan, _ in pairs(inSet) do table.insert(late, fan) end
table.sort(late)
for _, fan in ipairs(late) do table.insert(order, fan) end
local n = #order
for i, fan in ipairs(order) do redis.call('ZADD', KEYS[1], i - 1 - n, fan) end
redis.call('DEL', KEYS[2])
redis.call('HSET', KEYS[3], 'prequeue_size', n)
return n
`;

/*
 * Admits the first `count` fans in join order, once per tick: a retried tick (an activity whose answer
 * was lost) admits nobody more. Returns the fans admitted.
 */
const ADMIT = `
if redis.call('HGET', KEYS[5], 'last_tick') == ARGV[4] then return {} end
redis.call('HSET', KEYS[5], 'last_tick', ARGV[4])
local popped = redis.call('ZPOPMIN', KEYS[1], tonumber(ARGV[1]))
local size = tonumber(redis.call('HGET', KEYS[5], 'prequeue_size') or '0')
local fans = {}
for i = 1, #popped, 2 do
  local fan = popped[i]
  local number = redis.call('INCR', KEYS[2])
  local score = tonumber(popped[i + 1])
  local queueNumber = score + size
  if score < 0 then queueNumber = queueNumber + 1 end
  redis.call('HSET', KEYS[3], fan, number .. ':' .. string.format('%d', queueNumber) .. ':' .. ARGV[2] .. ':' .. ARGV[3])
  redis.call('ZADD', KEYS[4], tonumber(ARGV[3]), fan)
  table.insert(fans, fan)
end
return fans
`;

/** Joins the event's room; `opensAtMs` is when the sale opens (the pre-queue before it). */
export async function joinQueue(redis: Redis, eventId: string, userId: string, nowMs: number, opensAtMs = 0): Promise<FanPlace> {
  const k = waitingRoomKeys(eventId);
  const reply = (await redis.eval(JOIN, 6, k.queue, k.joins, k.active, k.admitted, k.state, k.prequeue, userId, String(nowMs), String(opensAtMs))) as string[];
  return toPlace(reply, opensAtMs);
}

/** A fan's number in the room for the whole sale: the pre-queue's drawn places first, then join order. */
function queueNumber(score: number, prequeueSize: number): number {
  return score < 0 ? score + prequeueSize + 1 : score + prequeueSize;
}

function toPlace(reply: string[], opensAtMs: number): FanPlace {
  const [state, a, b, c, d] = reply;
  if (state === 'SOLD_OUT' || state === 'CLOSED') return { state };
  if (state === 'PRE_QUEUE') return { state, opensAtMs };
  if (state === 'ADMITTED') {
    const admission = parseAdmission(a);
    if (admission) return { state, admission };
  }
  return { state: 'WAITING', position: Number(a) + 1, total: Number(b), joinNumber: queueNumber(Number(c), Number(d ?? 0)) };
}

/** Where a fan stands, read in one round trip. */
export async function fanPlace(redis: Redis, eventId: string, userId: string, nowMs: number, opensAtMs = 0): Promise<FanPlace> {
  const k = waitingRoomKeys(eventId);
  const replies = await redis
    .multi()
    .hget(k.state, 'state')
    .hget(k.admitted, userId)
    .zrank(k.queue, userId)
    .zcard(k.queue)
    .zscore(k.queue, userId)
    .sismember(k.prequeue, userId)
    .hget(k.state, 'prequeue_size')
    .exec();
  if (!replies) throw new Error('the waiting room read was aborted');
  const [state, admitted, rank, total, number, early, prequeueSize] = replies.map(([err, value]) => {
    if (err) throw err;
    return value;
  });
  if (state === 'CLOSED') return { state };
  const admission = parseAdmission(admitted as string | null);
  // While everything is sold an admitted fan has nothing to buy: told so (their token stays valid if tickets come back).
  if (state === 'SOLD_OUT' && admission && admission.expiresAtMs > nowMs) return { state };
  if (admission && admission.expiresAtMs > nowMs) return { state: 'ADMITTED', admission };
  if (Number(early) === 1) return { state: 'PRE_QUEUE', opensAtMs };
  if (rank === null || rank === undefined) return state === 'SOLD_OUT' ? { state } : { state: 'NOT_IN_QUEUE' };
  if (state === 'SOLD_OUT') return { state };
  return { state: 'WAITING', position: Number(rank) + 1, total: Number(total), joinNumber: queueNumber(Number(number), Number(prequeueSize ?? 0)) };
}

/** The pre-queue's size before it is placed (0 once placed, or if nobody came early). */
export async function preQueueSize(redis: Redis, eventId: string): Promise<number> {
  return redis.scard(waitingRoomKeys(eventId).prequeue);
}

/**
 * Places the pre-queue in a random order drawn from `seed` (the on-sale workflow draws it, so the order
 * is one and the same however often this runs), ahead of every later joiner. Once only: a repeat
 * places nobody. Returns how many were placed (-1 when it had been done).
 */
export async function placePreQueue(redis: Redis, eventId: string, seed: string): Promise<number> {
  const k = waitingRoomKeys(eventId);
  const members = await redis.smembers(k.prequeue);
  return (await redis.eval(PLACE_PREQUEUE, 3, k.queue, k.prequeue, k.state, ...shuffled(members, seed))) as number;
}

/**
 * A uniformly random order for a random seed, and the same order for the same seed: each fan is ranked
 * by HMAC-SHA256(seed, fan), which nobody can predict or influence without the seed.
 */
export function shuffled(fans: readonly string[], seed: string): string[] {
  const rank = (fan: string): string => createHmac('sha256', seed).update(fan).digest('hex');
  return fans.map((fan) => ({ fan, key: rank(fan) })).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)).map((r) => r.fan);
}

/** Lets the next `count` fans in, in join order; their tokens expire at `expiresAtMs`. */
export async function admitNext(
  redis: Redis,
  eventId: string,
  input: { count: number; nowMs: number; expiresAtMs: number; tickId: string },
): Promise<string[]> {
  if (input.count <= 0) return [];
  const k = waitingRoomKeys(eventId);
  return (await redis.eval(
    ADMIT,
    5,
    k.queue,
    k.admissions,
    k.admitted,
    k.active,
    k.state,
    String(input.count),
    String(input.nowMs),
    String(input.expiresAtMs),
    input.tickId,
  )) as string[];
}

/** The admitted fans still counted against the ceiling, with when their tokens expire. */
export async function activeFans(redis: Redis, eventId: string): Promise<Array<{ userId: string; expiresAtMs: number }>> {
  const flat = await redis.zrange(waitingRoomKeys(eventId).active, '0', '-1', 'WITHSCORES');
  const fans: Array<{ userId: string; expiresAtMs: number }> = [];
  for (let i = 0; i + 1 < flat.length; i += 2) fans.push({ userId: flat[i] as string, expiresAtMs: Number(flat[i + 1]) });
  return fans;
}

export async function letGo(redis: Redis, eventId: string, userIds: string[]): Promise<void> {
  if (userIds.length > 0) await redis.zrem(waitingRoomKeys(eventId).active, ...userIds);
}

export async function queueLength(redis: Redis, eventId: string): Promise<number> {
  return redis.zcard(waitingRoomKeys(eventId).queue);
}

export interface RoomInfo {
  state: RoomState | null;
  ratePerSecond: number | null;
  maxRatePerSecond: number | null;
  opensAtMs: number | null;
}

export async function roomInfo(redis: Redis, eventId: string): Promise<RoomInfo> {
  const raw = await redis.hgetall(waitingRoomKeys(eventId).state);
  const num = (value: string | undefined): number | null => (value === undefined || value === '' ? null : Number(value));
  return {
    state: (raw.state as RoomState | undefined) ?? null,
    ratePerSecond: num(raw.rate_per_second),
    maxRatePerSecond: num(raw.max_rate),
    opensAtMs: num(raw.opens_at_ms),
  };
}

/** What the on-sale workflow tells waiting fans: whether the room is open, and how fast it admits. */
export async function publishRoomInfo(
  redis: Redis,
  eventId: string,
  info: { state: RoomState; ratePerSecond: number | null; maxRatePerSecond: number; opensAtMs: number },
): Promise<void> {
  await redis.hset(waitingRoomKeys(eventId).state, {
    state: info.state,
    rate_per_second: info.ratePerSecond === null ? '' : String(info.ratePerSecond),
    max_rate: String(info.maxRatePerSecond),
    opens_at_ms: String(info.opensAtMs),
  });
}

/** Every admission of the event (fan → admission), for checks of order. */
export async function allAdmissions(redis: Redis, eventId: string): Promise<Map<string, Admission>> {
  const raw = await redis.hgetall(waitingRoomKeys(eventId).admitted);
  const out = new Map<string, Admission>();
  for (const [fan, value] of Object.entries(raw)) {
    const admission = parseAdmission(value);
    if (admission) out.set(fan, admission);
  }
  return out;
}
