import type { Queryable } from '../db/transaction';
import type { SaleWindow } from '../inventory/sale-window';
import { getEventRules, type EventRules } from './event-rules';

/**
 * What the API judges a hold request by before it starts a workflow: the event's rules, its presale
 * windows, its seats and GA sections. Read once and kept in the API process for a second (the rules
 * and windows) or for good (seats and sections never change after the event is made), so a hold
 * request costs no database round trip on a busy sale. Nothing here is the last word: the hold's own
 * transaction (hold_reservation, migration 012) checks the sale window, the seats and the sections
 * again under its locks and refuses with the same codes.
 */
export interface EventFacts {
  rules: EventRules;
  presales: Array<{ id: string; startsAt: number; endsAt: number; maxTicketsPerUser: number }>;
  seatIds: ReadonlySet<string>;
  gaSections: ReadonlySet<string>;
}

interface Entry {
  facts: EventFacts;
  readAt: number;
}

export interface EventFactsCache {
  get(db: Queryable, eventId: string): Promise<EventFacts>;
}

export function createEventFactsCache(options: { ttlMs: number; maxEvents: number }): EventFactsCache {
  const entries = new Map<string, Entry>();
  const loading = new Map<string, Promise<EventFacts>>();

  async function load(db: Queryable, eventId: string, previous: Entry | undefined): Promise<EventFacts> {
    const rules = await getEventRules(db, eventId);
    const { rows } = await db.query<{ id: string; starts_at: Date; ends_at: Date; max_tickets_per_user: number }>(
      'SELECT id, starts_at, ends_at, max_tickets_per_user FROM presale_windows WHERE event_id = $1 ORDER BY starts_at',
      [rules.id],
    );
    const places = previous?.facts ?? (await loadPlaces(db, rules.id));
    const facts: EventFacts = {
      rules,
      presales: rows.map((r) => ({ id: r.id, startsAt: r.starts_at.getTime(), endsAt: r.ends_at.getTime(), maxTicketsPerUser: r.max_tickets_per_user })),
      seatIds: places.seatIds,
      gaSections: places.gaSections,
    };
    if (entries.size >= options.maxEvents && !entries.has(eventId)) entries.delete(entries.keys().next().value as string);
    entries.set(eventId, { facts, readAt: Date.now() });
    return facts;
  }

  return {
    async get(db, eventId) {
      const key = eventId.toLowerCase();
      const entry = entries.get(key);
      if (entry && Date.now() - entry.readAt < options.ttlMs) return entry.facts;
      // Requests arriving together share one read.
      let pending = loading.get(key);
      if (!pending) {
        pending = load(db, key, entry).finally(() => loading.delete(key));
        loading.set(key, pending);
      }
      return pending;
    },
  };
}

async function loadPlaces(db: Queryable, eventId: string): Promise<{ seatIds: Set<string>; gaSections: Set<string> }> {
  const [seats, ga] = await Promise.all([
    db.query<{ id: string }>('SELECT id FROM seats WHERE event_id = $1', [eventId]),
    db.query<{ section_id: string }>('SELECT section_id FROM ga_inventory WHERE event_id = $1', [eventId]),
  ]);
  return { seatIds: new Set(seats.rows.map((r) => r.id)), gaSections: new Set(ga.rows.map((r) => r.section_id)) };
}

/** The sale window at `now`, from the facts (the same rules as readSaleWindow, on this process's clock). */
export function saleWindowAt(facts: EventFacts, now: number): SaleWindow {
  const cancelled = facts.rules.status === 'CANCELLED';
  const onSaleAt = Date.parse(facts.rules.on_sale_at);
  const generalSale = !cancelled && onSaleAt <= now;
  const open = facts.presales.find((p) => p.startsAt <= now && now < p.endsAt);
  const presale = !cancelled && !generalSale && open ? { id: open.id, maxTicketsPerUser: open.maxTicketsPerUser } : null;
  const nextStart = facts.presales.find((p) => p.startsAt > now)?.startsAt;
  const opensAt = generalSale || presale ? null : new Date(nextStart !== undefined && nextStart < onSaleAt ? nextStart : onSaleAt);
  return { found: true, cancelled, generalSale, presale, hasPresales: facts.presales.length > 0, opensAt };
}
