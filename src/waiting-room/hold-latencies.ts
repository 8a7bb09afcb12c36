import type { Redis } from 'ioredis';
import { p95, type HoldLatencies } from '../domain/admission-control';
import { waitingRoomKeys } from './keys';

/** The last this many holds are kept between two looks of the room: enough for a p95, bounded in memory. */
const KEPT = 1000;

/**
 * How long a hold took for an admitted fan of a high-demand event, as the API answered it: what the
 * room's admission rate is set by (src/domain/admission-control.ts). Best effort and not waited for on
 * the buyer's path: a lost report only makes the next look see one hold fewer.
 */
export function reportHoldLatency(redis: Redis, eventId: string, ms: number): void {
  const key = waitingRoomKeys(eventId).holdLatencies;
  redis
    .multi()
    .lpush(key, String(Math.round(ms)))
    .ltrim(key, 0, KEPT - 1)
    .exec()
    .catch(() => undefined);
}

/**
 * The holds reported since the last judgement. With fewer than `minSamples` they are only looked at and
 * stay for the next look, so a room admitting a few fans a second still gathers enough to judge by
 * (taking them every tick would leave it below the rule's minimum, and its rate stuck, for good). Once
 * there are enough they are taken: exactly those read (newer reports, pushed to the head meanwhile,
 * stay), with no script.
 */
export async function takeHoldLatencies(redis: Redis, eventId: string, minSamples = 0): Promise<HoldLatencies> {
  const key = waitingRoomKeys(eventId).holdLatencies;
  const raw = await redis.lrange(key, 0, -1);
  const samples = raw.map(Number).filter((n) => Number.isFinite(n));
  if (raw.length > 0 && samples.length >= minSamples) await redis.ltrim(key, 0, -(raw.length + 1));
  return { count: samples.length, p95Ms: p95(samples) };
}
