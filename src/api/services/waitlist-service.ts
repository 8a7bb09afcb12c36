import { verifyingSecrets } from '../../config';
import { AppError } from '../../domain/errors';
import { getEventRules } from '../../events/event-rules';
import { readSaleWindow, refuseOutsideSale } from '../../inventory/sale-window';
import { loadSectionCounts } from '../../inventory/section-counts';
import { entryById, insertEntry, latestEntry, leaveLine, type WaitlistEntryView } from '../../waitlist/waitlist-entries';
import type { AuthUser } from '../../users/auth-user';
import type { ApiDeps } from '../deps';
import { assertQueueAdmission } from './queue-admission';

export interface JoinResult {
  entry: WaitlistEntryView;
  created: boolean;
}

/**
 * Puts a fan in line for places of a section that has none left for them. Joining again with the
 * same section and quantity answers the same entry; anything else while in line is refused (leave
 * first). The section counts as sold out when fewer than `quantity` places are available, lapsed
 * holds counted as available (as a hold would count them): otherwise the fan should simply buy.
 */
export async function joinWaitlist(
  deps: ApiDeps,
  user: AuthUser,
  eventId: string,
  body: { section_id: string; quantity: number },
  queueToken: string | null,
): Promise<JoinResult> {
  const rules = await getEventRules(deps.pool, eventId);
  const sale = await readSaleWindow(deps.pool, rules.id);
  refuseOutsideSale(rules.id, sale);
  // A high-demand event's line is open only to fans its waiting room let in (contract v1.1, Fairness):
  // otherwise places that come back would go to whoever skipped the room.
  if (rules.high_demand) {
    assertQueueAdmission(verifyingSecrets(deps.config.QUEUE_TOKEN_SECRET, deps.config.QUEUE_TOKEN_SECRET_PREVIOUS), rules.id, user.id, queueToken);
  }
  // Presale buyers are counted against per-user limits at each hold; a line opens with the general sale.
  if (sale.presale) throw new AppError('EVENT_NOT_ON_SALE', 'the waiting list opens with the general sale', { event_id: rules.id, opens_at: rules.on_sale_at });
  const sectionId = body.section_id.toLowerCase();
  const section = (await loadSectionCounts(deps.pool, rules.id)).find((s) => s.section_id === sectionId);
  if (!section) {
    throw new AppError('VALIDATION_ERROR', 'the section is not on sale for this event', {
      details: [{ field: 'section_id', message: `section ${body.section_id} is not on sale for this event` }],
    });
  }
  if (body.quantity > rules.max_tickets_per_order) {
    throw new AppError('VALIDATION_ERROR', `at most ${rules.max_tickets_per_order} tickets per order`, {
      details: [{ field: 'quantity', message: `${body.quantity} requested, the limit is ${rules.max_tickets_per_order}` }],
    });
  }

  const current = await latestEntry(deps.pool, rules.id, user.id);
  if (current && (current.status === 'WAITING' || current.status === 'OFFERED')) return sameOrRefused(current, sectionId, body.quantity);
  if (section.available >= body.quantity) {
    throw new AppError('TICKETS_AVAILABLE', 'the section has tickets for sale: hold them instead of waiting', {
      section_id: sectionId,
      available: section.available,
    });
  }
  const id = await insertEntry(deps.pool, { eventId: rules.id, sectionId, userId: user.id, quantity: body.quantity });
  if (!id) {
    // Another request of the same fan got in first.
    const raced = await latestEntry(deps.pool, rules.id, user.id);
    if (!raced) throw new AppError('UNAVAILABLE', 'the waiting list changed meanwhile; try again');
    return sameOrRefused(raced, sectionId, body.quantity);
  }
  return { entry: (await entryById(deps.pool, id))!, created: true };
}

function sameOrRefused(entry: WaitlistEntryView, sectionId: string, quantity: number): JoinResult {
  if (entry.status === 'WAITING' && entry.section_id === sectionId && entry.quantity === quantity) return { entry, created: false };
  throw new AppError(
    'ALREADY_ON_WAITLIST',
    entry.status === 'OFFERED' ? 'places were offered to you: pay for them or cancel the reservation first' : 'you are already in line for this event: leave it first',
    { entry },
  );
}

export async function getWaitlistEntry(deps: ApiDeps, user: AuthUser, eventId: string): Promise<WaitlistEntryView> {
  const rules = await getEventRules(deps.pool, eventId);
  const entry = await latestEntry(deps.pool, rules.id, user.id);
  if (!entry) throw new AppError('NOT_FOUND', 'you are not on the waiting list of this event');
  return entry;
}

/** Leaves the line; places already offered are declined by cancelling their reservation instead. */
export async function leaveWaitlist(deps: ApiDeps, user: AuthUser, eventId: string): Promise<WaitlistEntryView> {
  const rules = await getEventRules(deps.pool, eventId);
  const id = await leaveLine(deps.pool, rules.id, user.id);
  if (!id) throw new AppError('NOT_FOUND', 'you have no place in line for this event (an offer is declined by cancelling its reservation)');
  return (await entryById(deps.pool, id))!;
}
