import { randomUUID } from 'node:crypto';
import type { PoolClient } from 'pg';
import { expectRows } from '../inventory/locks';
import type { TicketClaims } from './ticket-codes';

/** Signs a ticket's claims into its QR code (the key is the caller's: the worker's or the API's). */
export type TicketSigner = (claims: Omit<TicketClaims, 'kid'>) => string;

export interface TicketLine {
  sectionId: string;
  seatId: string | null;
  /**
   * Which place of the order (1..n, fixed at the sale; a transfer keeps it): an order has at most one
   * usable ticket per place, by a unique index.
   */
  placeNumber: number;
  /** Row and seat number for a seated ticket. */
  row?: string | null;
  number?: number | null;
}

/**
 * Issues one signed ticket per line to `ownerId`, inside the caller's transaction, and records each
 * in the ticket history. Returns the new ticket ids in line order.
 */
export async function issueTickets(
  db: PoolClient,
  cmd: {
    orderId: string;
    eventId: string;
    ownerId: string;
    lines: TicketLine[];
    actor: string;
    transferredFrom?: string;
    /** The ticket this one replaces after a resale (its buyer's new ticket). */
    resoldFrom?: string;
    /** Ids chosen by the caller (a transfer or a resale names the new ticket before it exists); generated otherwise. */
    ticketIds?: string[];
  },
  sign: TicketSigner,
): Promise<string[]> {
  const { lines } = cmd;
  const names = await db.query<{ id: string; name: string }>('SELECT id, name FROM sections WHERE id = ANY($1::uuid[])', [
    [...new Set(lines.map((l) => l.sectionId))],
  ]);
  const sectionName = new Map(names.rows.map((r) => [r.id, r.name]));
  const owner = await db.query<{ name: string }>('SELECT name FROM users WHERE id = $1', [cmd.ownerId]);
  const ticketIds = cmd.ticketIds ?? lines.map(() => randomUUID());
  const issuedAt = Math.floor(Date.now() / 1000);
  const codes = lines.map((line, i) =>
    sign({
      tid: ticketIds[i]!,
      eid: cmd.eventId,
      sec: line.sectionId,
      seat: line.seatId,
      lbl: label(sectionName.get(line.sectionId) ?? 'Section', line),
      own: cmd.ownerId,
      nm: owner.rows[0]?.name ?? '',
      iat: issuedAt,
    }),
  );
  const inserted = await db.query(
    `INSERT INTO tickets (id, order_id, event_id, section_id, seat_id, owner_id, qr_code, transferred_from, place_number, resold_from)
     SELECT t.id, $1, $2, t.section_id, t.seat_id, $3, t.qr_code, $8, t.place_number, $10
       FROM unnest($4::uuid[], $5::uuid[], $6::uuid[], $7::text[], $9::int[]) AS t(id, section_id, seat_id, qr_code, place_number)`,
    [
      cmd.orderId,
      cmd.eventId,
      cmd.ownerId,
      ticketIds,
      lines.map((l) => l.sectionId),
      lines.map((l) => l.seatId),
      codes,
      cmd.transferredFrom ?? null,
      lines.map((l) => l.placeNumber),
      cmd.resoldFrom ?? null,
    ],
  );
  expectRows(inserted.rowCount, lines.length, 'tickets issued');
  const [action, detail] = cmd.transferredFrom
    ? (['TRANSFERRED_IN', `from ticket ${cmd.transferredFrom}`] as const)
    : cmd.resoldFrom
      ? (['RESOLD_IN', `bought on resale from ticket ${cmd.resoldFrom}`] as const)
      : (['ISSUED', `order ${cmd.orderId}`] as const);
  await recordTicketEvents(db, ticketIds, action, cmd.actor, detail);
  return ticketIds;
}

export type TicketAction = 'ISSUED' | 'USED' | 'SCAN_REFUSED' | 'TRANSFERRED_OUT' | 'TRANSFERRED_IN' | 'CANCELLED' | 'RESOLD_OUT' | 'RESOLD_IN';

export async function recordTicketEvents(
  db: Pick<PoolClient, 'query'>,
  ticketIds: string[],
  action: TicketAction,
  actor: string,
  detail: string | null = null,
): Promise<void> {
  if (ticketIds.length === 0) return;
  await db.query(
    `INSERT INTO ticket_events (ticket_id, action, actor, detail) SELECT id, $2, $3, $4 FROM unnest($1::uuid[]) AS id`,
    [ticketIds, action, actor, detail],
  );
}

function label(section: string, line: TicketLine): string {
  return line.seatId && line.row ? `${section}, row ${line.row}, seat ${line.number ?? ''}`.trim() : `${section}, general admission`;
}
