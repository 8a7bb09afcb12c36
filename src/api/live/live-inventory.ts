import type { Response } from 'express';
import type { Redis } from 'ioredis';
import type { Queryable } from '../../db/transaction';
import { AppError } from '../../domain/errors';
import { inventoryChannel } from '../../inventory/inventory-signals';
import { withTimeout } from '../../shared/concurrency';
import { describeErrorKind } from '../../shared/error-kind';
import { changesSince, compareStreamIds, isStreamId, streamPosition, START_ID } from '../../inventory/change-stream';
import { describeStreamEntries } from '../../inventory/change-view';
import { SseClient } from './sse-client';
import { StreamSlots } from './stream-slots';

export interface LiveInventoryOptions {
  heartbeatMs: number;
  /** Streams this process holds open at once, at most (StreamSlots); unlimited when absent. */
  maxStreams?: number;
  /** Streams one client address holds open at once, at most. */
  maxStreamsPerClient?: number;
  /** Unexpected failures (a read that failed and will be retried). */
  log?: (line: string) => void;
}

const SUBSCRIBE_TIMEOUT_MS = 2000;
/** A delivery that failed (Redis or PostgreSQL blipped) is tried again once after this, not only at the next change. */
const RETRY_DELIVERY_MS = 1000;

/**
 * The clients of one event in this process, and how far they have been served. Every step (a
 * delivery, a client joining with its backlog) runs in turn, so each client gets every entry after
 * its starting point exactly once and in order.
 */
class Feed {
  /** The last stream id delivered to this feed's clients. */
  lastId = START_ID;
  readonly clients = new Set<SseClient>();
  readPending = false;
  closed = false;
  ready: Promise<void> = Promise.resolve();
  private tail: Promise<void> = Promise.resolve();

  run(step: () => Promise<void>): Promise<void> {
    const next = this.tail.then(step);
    this.tail = next.catch(() => undefined);
    return next;
  }
}

/**
 * Live inventory for Server-Sent Events: one Redis subscriber per API process, subscribed to the
 * doorbell channel of each event someone here is watching; a ring makes the event's feed read its
 * stream from where it stopped and fan the entries out to its clients. Whichever process made the
 * change, every process serves it: the stream and the channel are in Redis.
 */
export class LiveInventory {
  private subscriber: Redis | null = null;
  private readonly feeds = new Map<string, Feed>();
  private readonly slots: StreamSlots;
  private closing = false;

  constructor(
    private readonly redis: Redis,
    private readonly db: Queryable,
    private readonly options: LiveInventoryOptions,
  ) {
    this.slots = new StreamSlots({ total: options.maxStreams ?? Infinity, perClient: options.maxStreamsPerClient ?? Infinity });
  }

  /**
   * Serves the event's changes on `res` until the client goes. `resumeFrom` (Last-Event-ID) replays
   * what came after it, or tells the client to reload the map when that is no longer kept.
   * Fails with 503 before anything is written when Redis cannot be reached.
   */
  async attach(eventId: string, res: Response, resumeFrom: string | null, client = 'unknown'): Promise<void> {
    if (this.closing) throw new AppError('UNAVAILABLE', 'the server is shutting down');
    // A place among the streams first (429 beyond the caps), given back when the client goes.
    const giveBack = this.slots.take(client);
    res.once('close', giveBack);
    // A client that left before we listened has closed already: no 'close' is coming.
    if (res.closed) giveBack();
    try {
      await this.serve(eventId, res, resumeFrom);
    } catch (err) {
      giveBack();
      throw err;
    }
  }

  private async serve(eventId: string, res: Response, resumeFrom: string | null): Promise<void> {
    const feed = await this.feedFor(eventId);
    let retry = false;
    await feed
      .run(async () => {
        if (!res.socket || res.socket.destroyed) return;
        // The feed closed (its last client left) between our looking it up and our turn.
        if (feed.closed) {
          retry = true;
          return;
        }
        const client = new SseClient(res, this.options.heartbeatMs);
        try {
          if (resumeFrom !== null) await this.replay(eventId, feed, client, resumeFrom);
        } catch (err) {
          this.options.log?.(`live inventory: replay for ${eventId} failed: ${describeErrorKind(err)}`);
          client.close();
          return;
        }
        client.send('ready', { event_id: eventId, last_event_id: feed.lastId }, feed.lastId);
        feed.clients.add(client);
        client.whenClosed(() => this.detach(eventId, feed, client));
      });
    if (retry) await this.serve(eventId, res, resumeFrom);
  }

  /** Ends every stream (clients reconnect to another process) and the subscriber. */
  close(): void {
    this.closing = true;
    for (const feed of this.feeds.values()) {
      feed.closed = true;
      for (const client of feed.clients) client.close();
    }
    this.feeds.clear();
    this.subscriber?.disconnect();
    this.subscriber = null;
  }

  /** Clients connected to this process (for tests and metrics). */
  get clientCount(): number {
    let n = 0;
    for (const feed of this.feeds.values()) n += feed.clients.size;
    return n;
  }

  private async feedFor(eventId: string): Promise<Feed> {
    let feed = this.feeds.get(eventId);
    if (!feed) {
      const created = new Feed();
      feed = created;
      this.feeds.set(eventId, created);
      created.ready = this.open(eventId, created);
      created.ready.catch(() => {
        created.closed = true;
        if (this.feeds.get(eventId) === created) this.feeds.delete(eventId);
      });
    }
    try {
      await feed.ready;
    } catch {
      throw new AppError('UNAVAILABLE', 'live updates are unavailable (Redis did not answer)');
    }
    return feed;
  }

  /** Subscribed first, then positioned: a change after the position rings after the subscription. */
  private async open(eventId: string, feed: Feed): Promise<void> {
    const subscriber = this.ensureSubscriber();
    await withTimeout('subscribe', SUBSCRIBE_TIMEOUT_MS, subscriber.subscribe(inventoryChannel(eventId)));
    feed.lastId = await streamPosition(this.redis, eventId);
  }

  private ensureSubscriber(): Redis {
    if (this.subscriber) return this.subscriber;
    // Subscriptions are made while connecting too; ioredis subscribes again after a reconnect.
    const subscriber = this.redis.duplicate({ enableOfflineQueue: true, maxRetriesPerRequest: null });
    subscriber.on('error', () => undefined);
    subscriber.on('message', (channel: string) => this.ring(channel.slice(inventoryChannel('').length)));
    // Rings sent while the connection was down are lost: every feed catches up from its last id.
    let connectedBefore = false;
    subscriber.on('ready', () => {
      if (connectedBefore) for (const eventId of this.feeds.keys()) this.ring(eventId);
      connectedBefore = true;
    });
    this.subscriber = subscriber;
    return subscriber;
  }

  private ring(eventId: string): void {
    const feed = this.feeds.get(eventId);
    if (!feed || feed.closed || feed.readPending) return;
    feed.readPending = true;
    void feed
      .run(async () => {
        feed.readPending = false;
        if (!feed.closed) await this.deliver(eventId, feed);
      })
      .catch((err: unknown) => {
        this.options.log?.(`live inventory: delivery for ${eventId} failed, retrying: ${describeErrorKind(err)}`);
        setTimeout(() => this.ring(eventId), RETRY_DELIVERY_MS).unref();
      });
  }

  private async deliver(eventId: string, feed: Feed): Promise<void> {
    const { entries, gap, lastId } = await changesSince(this.redis, eventId, feed.lastId);
    if (gap) {
      feed.lastId = lastId;
      for (const client of feed.clients) client.send('reload', { event_id: eventId, reason: 'changes were missed; load the seat map again' }, lastId);
      return;
    }
    if (entries.length === 0) return;
    const described = await describeStreamEntries(this.db, eventId, entries);
    entries.forEach((entry, i) => {
      const change = described[i]!;
      for (const client of feed.clients) client.send(change.event, change.data, entry.id);
    });
    feed.lastId = entries[entries.length - 1]?.id ?? feed.lastId;
  }

  /** What a resuming client missed, up to where the feed stands (the feed delivers the rest). */
  private async replay(eventId: string, feed: Feed, client: SseClient, resumeFrom: string): Promise<void> {
    const usable = isStreamId(resumeFrom) && compareStreamIds(resumeFrom, feed.lastId) <= 0;
    const since = usable ? await changesSince(this.redis, eventId, resumeFrom) : null;
    if (!since || since.gap) {
      client.send('reload', { event_id: eventId, reason: 'the changes after Last-Event-ID are no longer kept; load the seat map again' }, feed.lastId);
      return;
    }
    const missed = since.entries.filter((e) => compareStreamIds(e.id, feed.lastId) <= 0);
    if (missed.length === 0) return;
    const described = await describeStreamEntries(this.db, eventId, missed);
    missed.forEach((entry, i) => client.send(described[i]!.event, described[i]!.data, entry.id));
  }

  private detach(eventId: string, feed: Feed, client: SseClient): void {
    feed.clients.delete(client);
    if (feed.clients.size > 0 || feed.closed) return;
    void feed.run(async () => {
      if (feed.clients.size > 0 || feed.closed) return;
      // Decided and sent without waiting: a new feed for the event subscribes after this unsubscribe.
      feed.closed = true;
      if (this.feeds.get(eventId) === feed) this.feeds.delete(eventId);
      this.subscriber?.unsubscribe(inventoryChannel(eventId)).catch(() => undefined);
    });
  }
}
