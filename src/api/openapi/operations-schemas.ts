import { z } from './registry';
import { visibleText } from './string-formats';

export const cancelEventBody = z
  .object({ reason: visibleText(500).optional().openapi({ description: 'kept with the event and in every refund (default: cancelled by the organiser)' }) })
  .openapi('CancelEventRequest');

export const cancellationProgressSchema = z
  .object({
    eventId: z.string().uuid(),
    reason: z.string(),
    requestedBy: z.string(),
    phase: z.enum(['MARKING', 'RELEASING_HOLDS', 'REFUNDING_ORDERS', 'SWEEPING', 'DONE']).openapi({
      description: 'MARKING the event cancelled (new holds refused from then on), RELEASING_HOLDS, REFUNDING_ORDERS, SWEEPING (a last look for holds under way when it began), DONE',
    }),
    cancelledAt: z.string().datetime().nullable(),
    holdsReleased: z.number().int(),
    holdsSoldMeanwhile: z.number().int().openapi({ description: 'holds whose payment completed before the cancel reached them; their orders are refunded' }),
    ordersRefunded: z.number().int(),
    ordersAlreadyRefunding: z.number().int().openapi({ description: 'orders whose refund had already been started by someone else' }),
    runs: z.number().int().openapi({ description: 'the workflow continues as new every few steps on a large event' }),
    finishedAt: z.string().datetime().nullable(),
  })
  .openapi('EventCancellation');

const findingSchema = z.object({
  check: z.string(),
  event_id: z.string().uuid().nullable(),
  subject: z.string().openapi({ description: 'the row that does not add up: a seat, section, reservation, ticket or payment id' }),
  detail: z.string(),
});

export const reconciliationReportSchema = z
  .object({
    id: z.string().uuid(),
    workflow_id: z.string(),
    run_id: z.string(),
    trigger: z.enum(['SCHEDULE', 'MANUAL']),
    event_id: z.string().uuid().nullable().openapi({ description: 'the one event checked; null when every event was' }),
    status: z.enum(['OK', 'FINDINGS']).openapi({ description: 'OK when nothing was found; nothing is ever repaired by reconciliation' }),
    started_at: z.string().datetime(),
    finished_at: z.string().datetime(),
    events_checked: z.number().int(),
    findings_count: z.number().int(),
    counts: z.record(z.number().int()).openapi({ description: 'findings per check (exact)' }),
    findings: z.array(findingSchema).openapi({ description: 'at most 200 per check' }),
  })
  .openapi('ReconciliationReport');

export const startReconciliationBody = z
  .object({ event_id: z.string().uuid().optional().openapi({ description: 'check this event only (default: every event)' }) })
  .openapi('StartReconciliationRequest');

export const reconciliationStartedSchema = z
  .object({ workflow_id: z.string(), status: z.literal('RUNNING') })
  .openapi('ReconciliationStarted');

/** Exactly one of the three is given (checked by the route: a rule across fields). */
export const auditQuery = z.object({
  reservation_id: z.string().uuid().optional().openapi({ description: 'exactly one of reservation_id, order_id, seat_id' }),
  order_id: z.string().uuid().optional().openapi({ description: 'exactly one of reservation_id, order_id, seat_id' }),
  seat_id: z.string().uuid().optional().openapi({ description: 'exactly one of reservation_id, order_id, seat_id' }),
});

export const auditTrailSchema = z
  .object({
    entries: z.array(
      z.object({
        at: z.string().datetime(),
        source: z.enum(['inventory', 'ticket', 'payment']),
        action: z.string().openapi({ description: 'HOLD, EXTEND, RELEASE, SELL, RECLAIM_EXPIRED, REFUND; ISSUED, USED, SCAN_REFUSED, TRANSFERRED_OUT/IN, CANCELLED; a payment status' }),
        actor: z.string().openapi({ description: 'user:<id>, scanner:<id>, workflow:<reason>, payments, operator:…' }),
        cause: z.string().nullable(),
        reservation_id: z.string().uuid().nullable(),
        seat_id: z.string().uuid().nullable(),
        section_id: z.string().uuid().nullable(),
        ticket_id: z.string().uuid().nullable(),
        payment_id: z.string().uuid().nullable(),
        quantity: z.number().int().nullable(),
      }),
    ),
  })
  .openapi('AuditTrail');
