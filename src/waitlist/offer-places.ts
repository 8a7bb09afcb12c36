import { randomUUID } from 'node:crypto';
import type { PoolClient } from 'pg';
import type { Queryable } from '../db/transaction';
import type { GaRequest } from '../domain/reservation';
import { appendAudit } from '../inventory/audit';
import { expectRows } from '../inventory/locks';

/** A hold made for a fan in line, which a reservation workflow of its own must now take over. */
export interface WaitlistOffer {
  entryId: string;
  reservationId: string;
  eventId: string;
  userId: string;
  seatIds: string[];
  ga: GaRequest[];
  heldUntil: string;
  /** The event's hold duration (each extension adds it again) and extension limit. */
  holdSeconds: number;
  maxExtensions: number;
}

export interface FreedPlaces {
  eventId: string;
  /** Sections where the transaction gave places back. */
  sectionIds: string[];
  /** What freed them: 'reservation:<id>' (a release) or 'order:<id>' (a refund). */
  source: string;
}

interface Entry {
  id: string;
  section_id: string;
  user_id: string;
  quantity: number;
}

interface EventTerms {
  status: string;
  hold_duration_seconds: number;
  max_hold_extensions: number;
}

/**
 * Hands the places a release or refund just freed to the first fans waiting for those sections, each
 * as a HELD reservation of their own (held for the event's hold duration), in the transaction that
 * freed them. Strictly in line order: a fan whose quantity does not fit stops the line of that
 * section (the places go back on sale), nobody behind them is served first.
 *
 * Locks, after the caller's (its reservation, seats by id, GA counters by section): the waiting
 * entries of those sections in line order, then free seats with SKIP LOCKED (a seat someone is
 * locking now is being taken, and waiting for it could deadlock against that hold's own lock order).
 * GA counters of the freed sections are already the caller's. Entries become OFFERED under their
 * lock, so two releases never offer to the same fan, and a rolled-back transaction offered nothing.
 * Only places that are free (not a lapsed hold still to be released) are offered.
 */
export async function offerFreedPlaces(db: PoolClient, freed: FreedPlaces): Promise<WaitlistOffer[]> {
  if (freed.sectionIds.length === 0) return [];
  const entries = await db.query<Entry>(
    `SELECT id, section_id, user_id, quantity FROM waitlist_entries
      WHERE event_id = $1 AND section_id = ANY($2::uuid[]) AND status = 'WAITING'
      ORDER BY section_id, line_number FOR UPDATE`,
    [freed.eventId, freed.sectionIds],
  );
  if (entries.rows.length === 0) return [];
  const terms = await db.query<EventTerms>('SELECT status, hold_duration_seconds, max_hold_extensions FROM events WHERE id = $1', [freed.eventId]);
  const event = terms.rows[0];
  // A cancelled event sells nothing more: its lines are closed.
  if (!event || event.status === 'CANCELLED') return [];

  const offers: WaitlistOffer[] = [];
  for (const sectionId of [...new Set(entries.rows.map((e) => e.section_id))].sort()) {
    const line = entries.rows.filter((e) => e.section_id === sectionId);
    const section = await sectionTerms(db, freed.eventId, sectionId);
    if (!section) continue;
    const served = section.kind === 'GA' ? await serveGaLine(db, freed.eventId, sectionId, line) : await serveSeatedLine(db, freed.eventId, sectionId, line);
    for (const { entry, seatIds } of served) {
      offers.push(await makeOffer(db, freed, event, entry, section.priceCents, seatIds));
    }
  }
  return offers;
}

/** Offers a release or refund made before (its retry starts their workflows, which a retry may do twice). */
export async function offersMadeAfter(db: Queryable, source: string): Promise<WaitlistOffer[]> {
  const { rows } = await db.query<{
    entry_id: string;
    reservation_id: string;
    event_id: string;
    user_id: string;
    held_until: Date;
    hold_duration_seconds: number;
    max_hold_extensions: number;
    seat_ids: string[] | null;
    ga: GaRequest[] | null;
  }>(
    `SELECT w.id AS entry_id, r.id AS reservation_id, r.event_id, r.user_id, r.held_until,
            e.hold_duration_seconds, r.max_hold_extensions,
            (SELECT array_agg(i.seat_id ORDER BY i.seat_id) FROM reservation_items i WHERE i.reservation_id = r.id AND i.seat_id IS NOT NULL) AS seat_ids,
            (SELECT json_agg(json_build_object('section_id', i.section_id, 'quantity', i.quantity))
               FROM reservation_items i WHERE i.reservation_id = r.id AND i.seat_id IS NULL) AS ga
       FROM waitlist_entries w JOIN reservations r ON r.id = w.reservation_id JOIN events e ON e.id = r.event_id
      WHERE w.offered_after = $1
      ORDER BY w.line_number`,
    [source],
  );
  return rows.map((r) => ({
    entryId: r.entry_id,
    reservationId: r.reservation_id,
    eventId: r.event_id,
    userId: r.user_id,
    seatIds: r.seat_ids ?? [],
    ga: r.ga ?? [],
    heldUntil: r.held_until.toISOString(),
    holdSeconds: r.hold_duration_seconds,
    maxExtensions: r.max_hold_extensions,
  }));
}

/** The section's kind and price; FOR SHARE, as a hold reads it, so an offer too is made at the price in force when it commits. */
async function sectionTerms(db: PoolClient, eventId: string, sectionId: string): Promise<{ kind: 'SEATED' | 'GA'; priceCents: number } | null> {
  const { rows } = await db.query<{ kind: 'SEATED' | 'GA'; price_cents: number }>(
    `SELECT s.kind, p.price_cents FROM sections s JOIN event_prices p ON p.section_id = s.id AND p.event_id = $1 WHERE s.id = $2 FOR SHARE OF p`,
    [eventId, sectionId],
  );
  const row = rows[0];
  return row ? { kind: row.kind, priceCents: row.price_cents } : null;
}

interface Served {
  entry: Entry;
  seatIds: string[];
}

async function serveGaLine(db: PoolClient, eventId: string, sectionId: string, line: Entry[]): Promise<Served[]> {
  const counter = await db.query<{ free: number }>(
    'SELECT capacity - held - sold AS free FROM ga_inventory WHERE event_id = $1 AND section_id = $2 FOR UPDATE',
    [eventId, sectionId],
  );
  let free = counter.rows[0]?.free ?? 0;
  const served: Served[] = [];
  for (const entry of line) {
    if (entry.quantity > free) break;
    free -= entry.quantity;
    served.push({ entry, seatIds: [] });
  }
  return served;
}

async function serveSeatedLine(db: PoolClient, eventId: string, sectionId: string, line: Entry[]): Promise<Served[]> {
  const wanted = line.reduce((sum, e) => sum + e.quantity, 0);
  // Best seats first, as printed (rows by length then text, then number).
  const { rows } = await db.query<{ id: string }>(
    `SELECT id FROM seats
      WHERE event_id = $1 AND section_id = $2 AND status = 'AVAILABLE'
      ORDER BY length(row_label), row_label COLLATE "C", seat_number
      LIMIT $3 FOR UPDATE SKIP LOCKED`,
    [eventId, sectionId, wanted],
  );
  const seats = rows.map((r) => r.id);
  const served: Served[] = [];
  for (const entry of line) {
    if (entry.quantity > seats.length) break;
    served.push({ entry, seatIds: seats.splice(0, entry.quantity) });
  }
  return served;
}

async function makeOffer(db: PoolClient, freed: FreedPlaces, event: EventTerms, entry: Entry, priceCents: number, seatIds: string[]): Promise<WaitlistOffer> {
  const reservationId = randomUUID();
  const { rows } = await db.query<{ held_until: Date }>(
    `INSERT INTO reservations (id, event_id, user_id, status, held_until, max_hold_extensions, total_price_cents)
     VALUES ($1, $2, $3, 'HELD', now() + make_interval(secs => $4), $5, $6) RETURNING held_until`,
    [reservationId, freed.eventId, entry.user_id, event.hold_duration_seconds, event.max_hold_extensions, priceCents * entry.quantity],
  );
  const heldUntil = rows[0]!.held_until;
  const lines = seatIds.length > 0 ? seatIds.map((seatId) => ({ seatId, quantity: 1 })) : [{ seatId: null, quantity: entry.quantity }];
  await db.query(
    `INSERT INTO reservation_items (reservation_id, position, section_id, seat_id, quantity, price_cents)
     SELECT $1, i.position, $2, i.seat_id, i.quantity, $3
       FROM unnest($4::int[], $5::uuid[], $6::int[]) AS i(position, seat_id, quantity)`,
    [reservationId, entry.section_id, priceCents, lines.map((_, i) => i), lines.map((l) => l.seatId), lines.map((l) => l.quantity)],
  );
  if (seatIds.length > 0) {
    const held = await db.query(
      `UPDATE seats SET status = 'HELD', reservation_id = $2, held_until = $3, version = version + 1
        WHERE id = ANY($1::uuid[]) AND status = 'AVAILABLE'`,
      [seatIds, reservationId, heldUntil],
    );
    expectRows(held.rowCount, seatIds.length, 'seats offered');
  } else {
    // The guard and the CHECK constraint refuse an oversell even if the count above were wrong.
    const counter = await db.query(
      'UPDATE ga_inventory SET held = held + $3 WHERE event_id = $1 AND section_id = $2 AND capacity - held - sold >= $3',
      [freed.eventId, entry.section_id, entry.quantity],
    );
    expectRows(counter.rowCount, 1, 'GA places offered');
    await db.query(
      `INSERT INTO ga_holds (reservation_id, event_id, section_id, quantity, status, held_until) VALUES ($1, $2, $3, $4, 'HELD', $5)`,
      [reservationId, freed.eventId, entry.section_id, entry.quantity, heldUntil],
    );
  }
  await appendAudit(
    db,
    'HOLD',
    `waitlist:${entry.id}`,
    lines.map((l) => ({ eventId: freed.eventId, reservationId, sectionId: entry.section_id, seatId: l.seatId, quantity: l.quantity })),
    `waiting-list offer after ${freed.source}`,
  );
  await db.query(
    `UPDATE waitlist_entries SET status = 'OFFERED', reservation_id = $2, offered_at = now(), offered_after = $3 WHERE id = $1 AND status = 'WAITING'`,
    [entry.id, reservationId, freed.source],
  );
  return {
    entryId: entry.id,
    reservationId,
    eventId: freed.eventId,
    userId: entry.user_id,
    seatIds: [...seatIds].sort(),
    ga: seatIds.length > 0 ? [] : [{ section_id: entry.section_id, quantity: entry.quantity }],
    heldUntil: heldUntil.toISOString(),
    holdSeconds: event.hold_duration_seconds,
    maxExtensions: event.max_hold_extensions,
  };
}
