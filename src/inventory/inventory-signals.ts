import type { Redis } from 'ioredis';

/**
 * Inventory changes leave three traces in Redis: a per-event version (the seat-map cache key moves on,
 * so nobody is served a stale map), an entry in the event's change stream (what live clients replay
 * from, in order, by id) rung in on a pub/sub channel, and shared counters that /metrics reports
 * whichever worker process made the change.
 */
export const INVENTORY_COUNTERS = ['holds', 'holds_rejected', 'releases', 'sales', 'refunds'] as const;
export type InventoryCounter = (typeof INVENTORY_COUNTERS)[number];

/** What happened to the places of one change, as live clients are told. */
export const CHANGE_CAUSES = ['hold', 'release', 'sale', 'refund', 'offer'] as const;
export type ChangeCause = (typeof CHANGE_CAUSES)[number];

export const inventoryVersionKey = (eventId: string): string => `inventory:version:${eventId}`;
/** The doorbell: its message is only a hint that the stream has new entries (a lost one is caught up on the next). */
export const inventoryChannel = (eventId: string): string => `inventory:changed:${eventId}`;
export const inventoryStreamKey = (eventId: string): string => `inventory:changes:${eventId}`;
export const COUNTERS_KEY = 'metrics:inventory';

/**
 * Entries kept per event (about; trimmed by whole stream nodes). A live client further behind than
 * this is told to reload the map: at a sale's pace that is minutes of changes.
 */
export const STREAM_MAX_LENGTH = 1000;
/** A stream nobody writes to for this long (the event is over) goes away by itself. */
const STREAM_TTL_SECONDS = 7 * 86_400;

export interface InventoryChange {
  eventId: string;
  counter: InventoryCounter;
  /** Places changed (for the shared counters). */
  amount: number;
  cause: ChangeCause;
  /** Seats whose status changed. */
  seatIds?: readonly string[];
  /** GA sections whose counters changed. */
  gaSectionIds?: readonly string[];
}

/**
 * Called after the change is committed in PostgreSQL. The entry names the places only, not their new
 * status: two changes may be announced in another order than they committed, so whoever shows them
 * reads the status then (src/inventory/change-view.ts), and a replay can never bring back an old status.
 */
export async function announceInventoryChange(redis: Redis, change: InventoryChange): Promise<void> {
  const { eventId } = change;
  const stream = inventoryStreamKey(eventId);
  // Best effort: the change is already committed, and a cache entry lives one second at most, so a
  // Redis hiccup must not fail (and so repeat) the inventory step.
  try {
    await redis
      .multi()
      .incr(inventoryVersionKey(eventId))
      .hincrby(COUNTERS_KEY, change.counter, change.amount)
      .xadd(stream, 'MAXLEN', '~', STREAM_MAX_LENGTH, '*', 'c', change.cause, 's', (change.seatIds ?? []).join(','), 'g', (change.gaSectionIds ?? []).join(','))
      .expire(stream, STREAM_TTL_SECONDS)
      .publish(inventoryChannel(eventId), change.cause)
      .exec();
  } catch {
    /* see above */
  }
}

/** The kind of stream entry that says a DEMAND event's prices (or their next change) moved. */
export const PRICE_CAUSE = 'price';

/**
 * A period of a DEMAND event was applied: its sections' prices (and when they move next) are new.
 * The same stream as inventory changes, so a live client gets it in order with them and replays it
 * after a reconnect; the seat-map cache moves on with the version. Best effort, as above: the prices
 * are committed, and a page that missed the entry reads them with its next map.
 */
export async function announcePriceChange(redis: Redis, eventId: string, sectionIds: readonly string[]): Promise<void> {
  const stream = inventoryStreamKey(eventId);
  try {
    await redis
      .multi()
      .incr(inventoryVersionKey(eventId))
      .xadd(stream, 'MAXLEN', '~', STREAM_MAX_LENGTH, '*', 'c', PRICE_CAUSE, 'p', sectionIds.join(','))
      .expire(stream, STREAM_TTL_SECONDS)
      .publish(inventoryChannel(eventId), PRICE_CAUSE)
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
