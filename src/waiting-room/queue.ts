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
 * lapsed joins again at the back.
 */
const JOIN = `
local state = redis.call('HGET', KEYS[5], 'state')
if state == 'SOLD_OUT' or state == 'CLOSED' then return {state} end
local admitted = redis.call('HGET', KEYS[4], ARGV[1])
if admitted then
  local expires = tonumber(string.match(admitted, '([0-9]+)$'))
  if expires > tonumber(ARGV[2]) then return {'ADMITTED', admitted} end
  redis.call('HDEL', KEYS[4], ARGV[1])
end
local number = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not number then
  number = redis.call('INCR', KEYS[2])
  redis.call('ZADD', KEYS[1], number, ARGV[1])
end
return {'WAITING', tostring(redis.call('ZRANK', KEYS[1], ARGV[1])), tostring(redis.call('ZCARD', KEYS[1])), tostring(number)}
`;

/*
 * Admits the first `count` fans in join order, once per tick: a retried tick (an activity whose answer
 * was lost) admits nobody more. Returns the fans admitted.
 */
const ADMIT = `
if redis.call('HGET', KEYS[5], 'last_tick') == ARGV[4] then return {} end
redis.call('HSET', KEYS[5], 'last_tick', ARGV[4])
local popped = redis.call('ZPOPMIN', KEYS[1], tonumber(ARGV[1]))
local fans = {}
for i = 1, #popped, 2 do
  local fan = popped[i]
  local number = redis.call('INCR', KEYS[2])
  redis.call('HSET', KEYS[3], fan, number .. ':' .. popped[i + 1] .. ':' .. ARGV[2] .. ':' .. ARGV[3])
  redis.call('ZADD', KEYS[4], tonumber(ARGV[3]), fan)
  table.insert(fans, fan)
end
return fans
`;

export async function joinQueue(redis: Redis, eventId: string, userId: string, nowMs: number): Promise<FanPlace> {
  const k = waitingRoomKeys(eventId);
  const reply = (await redis.eval(JOIN, 5, k.queue, k.joins, k.active, k.admitted, k.state, userId, String(nowMs))) as string[];
  return toPlace(reply);
}

function toPlace(reply: string[]): FanPlace {
  const [state, a, b, c] = reply;
  if (state === 'SOLD_OUT' || state === 'CLOSED') return { state };
  if (state === 'ADMITTED') {
    const admission = parseAdmission(a);
    if (admission) return { state, admission };
  }
  return { state: 'WAITING', position: Number(a) + 1, total: Number(b), joinNumber: Number(c) };
}

/** Where a fan stands, read in one round trip. */
export async function fanPlace(redis: Redis, eventId: string, userId: string, nowMs: number): Promise<FanPlace> {
  const k = waitingRoomKeys(eventId);
  const replies = await redis.multi().hget(k.state, 'state').hget(k.admitted, userId).zrank(k.queue, userId).zcard(k.queue).zscore(k.queue, userId).exec();
  if (!replies) throw new Error('the waiting room read was aborted');
  const [state, admitted, rank, total, number] = replies.map(([err, value]) => {
    if (err) throw err;
    return value;
  });
  if (state === 'SOLD_OUT' || state === 'CLOSED') return { state };
  const admission = parseAdmission(admitted as string | null);
  if (admission && admission.expiresAtMs > nowMs) return { state: 'ADMITTED', admission };
  if (rank === null || rank === undefined) return { state: 'NOT_IN_QUEUE' };
  return { state: 'WAITING', position: Number(rank) + 1, total: Number(total), joinNumber: Number(number) };
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
