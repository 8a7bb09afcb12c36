import type { Redis } from 'ioredis';
import { CHANGE_CAUSES, PRICE_CAUSE, inventoryStreamKey, type ChangeCause } from './inventory-signals';

/** One entry of an event's change stream (src/inventory/inventory-signals.ts), by its stream id. */
export interface ChangeEntry {
  id: string;
  cause: ChangeCause | typeof PRICE_CAUSE;
  seatIds: string[];
  gaSectionIds: string[];
  /** A price entry's sections (whose prices or next change moved). */
  priceSectionIds: string[];
}

export interface ChangesSince {
  entries: ChangeEntry[];
  /** Entries after the given id may have been trimmed away: the reader cannot replay them. */
  gap: boolean;
  /** The newest id the stream has given out ('0-0' before any). */
  lastId: string;
}

const STREAM_ID = /^(\d{1,20})-(\d{1,20})$/;
export const START_ID = '0-0';

export function isStreamId(value: string): boolean {
  return STREAM_ID.test(value);
}

/** Stream ids are `<milliseconds>-<sequence>`; compared as numbers, not as text. */
export function compareStreamIds(a: string, b: string): number {
  const [am, as] = parse(a);
  const [bm, bs] = parse(b);
  if (am !== bm) return am < bm ? -1 : 1;
  if (as !== bs) return as < bs ? -1 : 1;
  return 0;
}

function parse(id: string): [bigint, bigint] {
  const match = STREAM_ID.exec(id);
  if (!match) throw new Error(`not a stream id: ${id}`);
  return [BigInt(match[1] ?? '0'), BigInt(match[2] ?? '0')];
}

const PAGE = 500;

/**
 * Every entry after `afterId`, in order. XINFO and XRANGE go in one MULTI so the gap check and the
 * entries describe the same moment.
 */
export async function changesSince(redis: Redis, eventId: string, afterId: string): Promise<ChangesSince> {
  const key = inventoryStreamKey(eventId);
  const entries: ChangeEntry[] = [];
  let cursor = afterId;
  let first: StreamInfo | null = null;
  for (;;) {
    const replies = await redis.multi().exists(key).xrange(key, `(${cursor}`, '+', 'COUNT', PAGE).exec();
    const exists = Number(replies?.[0]?.[1] ?? 0) === 1;
    const page = (replies?.[1]?.[1] ?? []) as Array<[string, string[]]>;
    first ??= exists ? await streamInfo(redis, key) : null;
    for (const [id, fields] of page) entries.push(toEntry(id, fields));
    if (page.length < PAGE) break;
    cursor = page[page.length - 1]?.[0] ?? cursor;
  }
  const lastId = newest(first?.lastGeneratedId ?? START_ID, entries[entries.length - 1]?.id ?? START_ID);
  return { entries, gap: first !== null && lostAfter(first, afterId), lastId };
}

/** The newest id the event's stream has given out; where a new reader starts from. */
export async function streamPosition(redis: Redis, eventId: string): Promise<string> {
  const key = inventoryStreamKey(eventId);
  const info = (await redis.exists(key)) === 1 ? await streamInfo(redis, key) : null;
  return info?.lastGeneratedId ?? START_ID;
}

interface StreamInfo {
  length: number;
  entriesAdded: number;
  firstEntryId: string | null;
  lastGeneratedId: string;
}

async function streamInfo(redis: Redis, key: string): Promise<StreamInfo | null> {
  let raw: unknown[];
  try {
    raw = (await redis.call('XINFO', 'STREAM', key)) as unknown[];
  } catch {
    return null; // gone between EXISTS and XINFO (expired)
  }
  const fields = new Map<string, unknown>();
  for (let i = 0; i + 1 < raw.length; i += 2) fields.set(String(raw[i]), raw[i + 1]);
  const firstEntry = fields.get('first-entry');
  return {
    length: Number(fields.get('length') ?? 0),
    entriesAdded: Number(fields.get('entries-added') ?? 0),
    firstEntryId: Array.isArray(firstEntry) ? String(firstEntry[0]) : null,
    lastGeneratedId: String(fields.get('last-generated-id') ?? START_ID),
  };
}

/**
 * Trimming removes the oldest entries only. A reader whose last id is older than the first entry kept
 * may have missed trimmed ones, unless nothing was ever trimmed. (When the reader's own id was the
 * last trimmed entry this is a needless reload: rare, and safe.)
 */
function lostAfter(info: StreamInfo, afterId: string): boolean {
  if (info.entriesAdded <= info.length) return false;
  if (info.firstEntryId === null) return compareStreamIds(afterId, info.lastGeneratedId) < 0;
  return compareStreamIds(afterId, info.firstEntryId) < 0;
}

function newest(a: string, b: string): string {
  return compareStreamIds(a, b) >= 0 ? a : b;
}

function toEntry(id: string, fields: string[]): ChangeEntry {
  const values = new Map<string, string>();
  for (let i = 0; i + 1 < fields.length; i += 2) values.set(fields[i] ?? '', fields[i + 1] ?? '');
  const cause = values.get('c');
  const list = (raw: string | undefined) => (raw ? raw.split(',').filter(Boolean) : []);
  return {
    id,
    cause: cause === PRICE_CAUSE ? PRICE_CAUSE : CHANGE_CAUSES.includes(cause as ChangeCause) ? (cause as ChangeCause) : 'hold',
    seatIds: list(values.get('s')),
    gaSectionIds: list(values.get('g')),
    priceSectionIds: list(values.get('p')),
  };
}
