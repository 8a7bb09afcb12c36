import { z } from './registry';

export const queueParams = z.object({ event_id: z.string().openapi({ format: 'uuid' }) });

const waiting = z
  .object({
    state: z.literal('WAITING'),
    position: z.number().int().openapi({ description: '1 = next to be admitted' }),
    total: z.number().int().openapi({ description: 'fans waiting now' }),
    estimated_wait_seconds: z.number().int().openapi({
      description: 'position divided by the admission rate the room measured over the last half minute (its maximum rate before any), plus the time until the sale opens',
    }),
    queue_number: z.number().int().openapi({ description: 'this fan’s place in join order, for the whole sale; joining again keeps it' }),
    poll_after_seconds: z.number().int().openapi({ description: 'when asking again is useful (1 near the front, up to 30 far back)' }),
  })
  .openapi('QueueWaiting');

const admitted = z
  .object({
    state: z.literal('ADMITTED'),
    queue_token: z.string().openapi({ description: 'send as X-Queue-Token on POST /api/v1/reservations for this event; valid for this user and event only, until expires_at' }),
    expires_at: z.string().datetime().openapi({ description: 'end of the window to hold seats; a fan who has not held by then loses the slot and may join again at the back' }),
    admitted_at: z.string().datetime(),
    admission_number: z.number().int().openapi({ description: '1 for the first fan admitted, and so on: fans are admitted strictly in join order' }),
    queue_number: z.number().int(),
  })
  .openapi('QueueAdmitted');

const preQueue = z
  .object({
    state: z.literal('PRE_QUEUE'),
    opens_at: z.string().datetime().openapi({ description: 'when the sale opens: then every fan in the pre-queue is placed in a random order, ahead of everyone who joins later' }),
    poll_after_seconds: z.number().int().openapi({ description: 'when asking again is useful (at most 30)' }),
  })
  .openapi('QueuePreQueue', { description: 'joined before the sale opened: no position yet, and arriving earlier earns none' });

const notInQueue = z.object({ state: z.literal('NOT_IN_QUEUE') }).openapi('QueueNotJoined', { description: 'never joined, or their admission window lapsed' });
const soldOut = z.object({ state: z.literal('SOLD_OUT') }).openapi('QueueSoldOut', {
  description: 'every ticket is sold or held; fans keep their place and are admitted again if tickets come back (a refund, a lapsed hold)',
});
const closed = z.object({ state: z.literal('CLOSED') }).openapi('QueueClosed', { description: 'the event was cancelled, or it has started' });

export const queueStatusSchema = z.discriminatedUnion('state', [waiting, preQueue, admitted, notInQueue, soldOut, closed]).openapi('QueueStatus');
export type QueueStatusView = z.infer<typeof queueStatusSchema>;
