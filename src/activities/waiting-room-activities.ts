import type { Redis } from 'ioredis';
import type { Pool } from 'pg';
import type { OnSaleMeasure } from '../domain/on-sale';
import { activeFans, admitNext, letGo, placePreQueue, publishRoomInfo, queueLength, type RoomState } from '../waiting-room/queue';
import { takeHoldLatencies } from '../waiting-room/hold-latencies';
import { finishedFans, saleProgress } from '../waiting-room/sale-progress';

export interface WaitingRoomActivityDeps {
  pool: Pool;
  redis: Redis;
}

/**
 * The on-sale workflow's side effects: looking at the sale (queue, admitted fans, inventory) and
 * admitting fans. Times come from the workflow (`nowMs`), so a token's window is workflow time, the
 * same clock as the workflow's own timers.
 */
export function createWaitingRoomActivities({ pool, redis }: WaitingRoomActivityDeps) {
  return {
    /** One look at the sale; admitted fans found finished are let go (no longer counted against the ceiling). */
    async measureOnSale(input: { eventId: string; nowMs: number; minHoldSamples?: number }): Promise<OnSaleMeasure> {
      const [progress, waiting, admitted, holdLatencies] = await Promise.all([
        saleProgress(pool, input.eventId),
        queueLength(redis, input.eventId),
        activeFans(redis, input.eventId),
        takeHoldLatencies(redis, input.eventId, input.minHoldSamples),
      ]);
      const finished = await finishedFans(pool, input.eventId, admitted, input.nowMs);
      await letGo(redis, input.eventId, finished);
      return {
        waiting,
        active: admitted.length - finished.length,
        finished: finished.length,
        available: progress.available,
        held: progress.held,
        eventStatus: progress.eventStatus,
        opensAtMs: progress.opensAt?.getTime() ?? 0,
        startsAtMs: progress.startsAt?.getTime() ?? Number.MAX_SAFE_INTEGER,
        holdLatencies,
      };
    },

    /** Lets the next `count` fans in, in join order; a retry of the same tick admits nobody more. */
    async admitFans(input: { eventId: string; count: number; nowMs: number; windowSeconds: number; tickId: string }): Promise<{ admitted: number }> {
      const fans = await admitNext(redis, input.eventId, {
        count: input.count,
        nowMs: input.nowMs,
        expiresAtMs: input.nowMs + input.windowSeconds * 1000,
        tickId: input.tickId,
      });
      return { admitted: fans.length };
    },

    /** At opening: the pre-queue in the random order the workflow drew (`seed`), ahead of later joiners; once only. */
    async placePreQueue(input: { eventId: string; seed: string }): Promise<{ placed: number }> {
      return { placed: Math.max(await placePreQueue(redis, input.eventId, input.seed), 0) };
    },

    /** What waiting fans read: the room's state and the measured admission rate (for their estimated wait). */
    async publishOnSale(input: { eventId: string; state: RoomState; ratePerSecond: number | null; maxRatePerSecond: number; opensAtMs: number }): Promise<void> {
      await publishRoomInfo(redis, input.eventId, input);
    },
  };
}

export type WaitingRoomActivities = ReturnType<typeof createWaitingRoomActivities>;
