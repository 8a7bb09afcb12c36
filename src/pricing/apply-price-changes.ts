import type { Pool } from 'pg';
import { withTransaction, type Queryable } from '../db/transaction';
import type { ApplyPricesCommand, ApplyPricesOutcome } from '../domain/pricing';

/** A price change waits this long at most for holds being made at the old price; then the period is tried again. */
const LOCK_TIMEOUT_MS = 5000;

/**
 * One period of a DEMAND event, in one transaction: the new prices, a `price_changes` row for each
 * with the figures it was computed from, and when prices move next. Applied once per period: a retry
 * of a period already applied (its answer was lost) changes nothing.
 *
 * Locks (src/inventory/locks.ts): the event's pricing row, then its price rows by section, FOR
 * UPDATE, and nothing else. A hold takes the price rows FOR SHARE, so a hold being made at the old
 * price commits before the change, and a hold that comes after it is made at the new price.
 */
export async function applyPriceChanges(pool: Pool, cmd: ApplyPricesCommand): Promise<ApplyPricesOutcome> {
  return withTransaction(pool, async (db) => {
    await db.query(`SELECT set_config('lock_timeout', $1, true)`, [`${LOCK_TIMEOUT_MS}ms`]);
    const { rows } = await db.query<{ last_period_at: Date | null; status: string }>(
      `SELECT pr.last_period_at, e.status FROM event_pricing pr JOIN events e ON e.id = pr.event_id
        WHERE pr.event_id = $1 FOR UPDATE OF pr`,
      [cmd.eventId],
    );
    const terms = rows[0];
    if (!terms) return { applied: false, reason: 'NOT_DEMAND' };
    if (terms.last_period_at && terms.last_period_at.getTime() >= cmd.periodAtMs) return { applied: false, reason: 'ALREADY_APPLIED' };
    if (terms.status === 'CANCELLED') {
      await stopSchedule(db, cmd.eventId);
      return { applied: false, reason: 'CANCELLED' };
    }
    const changes = cmd.changes.filter((c) => c.newPriceCents !== c.oldPriceCents).sort((a, b) => a.sectionId.localeCompare(b.sectionId));
    if (changes.length > 0) {
      await db.query('SELECT 1 FROM event_prices WHERE event_id = $1 AND section_id = ANY($2::uuid[]) ORDER BY section_id FOR UPDATE', [
        cmd.eventId,
        changes.map((c) => c.sectionId),
      ]);
      // Only this event's pricing workflow moves its prices, one period at a time: a price that is not
      // the one the decision started from means the decision is stale, and nothing of it may stand.
      const updated = await db.query(
        `UPDATE event_prices p SET price_cents = c.new_price
           FROM unnest($2::uuid[], $3::int[], $4::int[]) AS c(section_id, old_price, new_price)
          WHERE p.event_id = $1 AND p.section_id = c.section_id AND p.price_cents = c.old_price`,
        [cmd.eventId, changes.map((c) => c.sectionId), changes.map((c) => c.oldPriceCents), changes.map((c) => c.newPriceCents)],
      );
      if (updated.rowCount !== changes.length) {
        throw new Error(`stale price decision for event ${cmd.eventId}: ${updated.rowCount ?? 0} of ${changes.length} prices were where it started from`);
      }
      await db.query(
        `INSERT INTO price_changes (event_id, section_id, period_at, old_price_cents, new_price_cents, min_price_cents, max_price_cents,
                                    max_step_percent, step_percent, capacity, sold, held, queue_waiting, queue_share, demand_share, pace_share)
         SELECT $1, c.* FROM unnest($2::uuid[], $3::timestamptz[], $4::int[], $5::int[], $6::int[], $7::int[], $8::int[], $9::int[],
                                    $10::int[], $11::int[], $12::int[], $13::int[], $14::numeric[], $15::numeric[], $16::numeric[]) AS c`,
        [
          cmd.eventId,
          changes.map((c) => c.sectionId),
          changes.map(() => new Date(cmd.periodAtMs)),
          changes.map((c) => c.oldPriceCents),
          changes.map((c) => c.newPriceCents),
          changes.map((c) => c.figures.minPriceCents),
          changes.map((c) => c.figures.maxPriceCents),
          changes.map((c) => c.figures.maxStepPercent),
          changes.map((c) => c.stepPercent),
          changes.map((c) => c.figures.capacity),
          changes.map((c) => c.figures.sold),
          changes.map((c) => c.figures.held),
          changes.map((c) => c.figures.queueWaiting),
          changes.map((c) => c.figures.queueShare),
          changes.map((c) => c.figures.demandShare),
          changes.map((c) => c.figures.paceShare),
        ],
      );
    }
    await db.query(
      `UPDATE event_pricing SET last_period_at = $2, next_change_at = $3, periods_applied = periods_applied + 1 WHERE event_id = $1`,
      [cmd.eventId, new Date(cmd.periodAtMs), cmd.nextChangeAtMs === null ? null : new Date(cmd.nextChangeAtMs)],
    );
    return { applied: true, changed: changes.length };
  });
}

/** The event started or was cancelled: its prices move no more. */
export async function stopPriceChanges(db: Queryable, eventId: string): Promise<void> {
  await stopSchedule(db, eventId);
}

async function stopSchedule(db: Queryable, eventId: string): Promise<void> {
  await db.query('UPDATE event_pricing SET next_change_at = NULL WHERE event_id = $1', [eventId]);
}
