import type { Redis } from 'ioredis';

/**
 * Inventory changes leave two traces in Redis: a per-event version (the seat-map cache key moves on,
 * so nobody is served a stale map) with a pub/sub message for live clients, and shared counters that
 * /metrics reports whichever worker process made the change.
 */
export const INVENTORY_COUNTERS = ['holds', 'holds_rejected', 'releases', 'sales', 'refunds'] as const;
export type InventoryCounter = (typeof INVENTORY_COUNTERS)[number];

export const inventoryVersionKey = (eventId: string): string => `inventory:version:${eventId}`;
export const inventoryChannel = (eventId: string): string => `inventory:changed:${eventId}`;
export const COUNTERS_KEY = 'metrics:inventory';

export async function announceInventoryChange(
  redis: Redis,
  eventId: string,
  counter: InventoryCounter,
  amount = 1,
): Promise<void> {
  // Best effort: the change is already committed in PostgreSQL, and a cache entry lives one second at
  // most, so a Redis hiccup must not fail (and so repeat) the inventory step.
  try {
    await redis
      .multi()
      .incr(inventoryVersionKey(eventId))
      .hincrby(COUNTERS_KEY, counter, amount)
      .publish(inventoryChannel(eventId), counter)
      .exec();
  } catch {
    /* see above */
  }
}

export async function countRejection(redis: Redis): Promise<void> {
  try {
    await redis.hincrby(COUNTERS_KEY, 'holds_rejected', 1);
  } catch {
    /* best effort, as above */
  }
}

export async function readInventoryCounters(redis: Redis): Promise<Record<InventoryCounter, number>> {
  const raw = await redis.hgetall(COUNTERS_KEY);
  return Object.fromEntries(INVENTORY_COUNTERS.map((c) => [c, Number(raw[c] ?? 0)])) as Record<InventoryCounter, number>;
}
