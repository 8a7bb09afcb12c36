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

/** The holds reported since the last look, taken (the next look sees only newer ones). */
export async function takeHoldLatencies(redis: Redis, eventId: string): Promise<HoldLatencies> {
  const key = waitingRoomKeys(eventId).holdLatencies;
  const replies = await redis.multi().lrange(key, 0, -1).del(key).exec();
  const raw = (replies?.[0]?.[1] as string[] | undefined) ?? [];
  const samples = raw.map(Number).filter((n) => Number.isFinite(n));
  return { count: samples.length, p95Ms: p95(samples) };
}
