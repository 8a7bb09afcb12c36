import { CHANGE_CAUSES } from '../../inventory/inventory-signals';
import { SEAT_STATUSES } from './event-schemas';
import { z } from './registry';

const streamId = z.string().regex(/^\d{1,20}-\d{1,20}$/).openapi({ example: '1767990600000-0' });

export const streamQuerySchema = z.object({
  last_event_id: streamId.optional().openapi({
    description: 'resume after this change (for clients that cannot send the Last-Event-ID header); the header wins when both are sent',
  }),
});

export const streamHeadersSchema = z.object({
  'last-event-id': z.string().optional().openapi({
    description:
      'the id of the last event the client received (browsers send it when they reconnect): the changes after it are replayed, ' +
      'or, when they are no longer kept, a `reload` event tells the client to load the seat map again',
  }),
});

export const inventoryChangeSchema = z
  .object({
    event_id: z.string().uuid(),
    cause: z.enum(CHANGE_CAUSES).openapi({
      description: 'hold (a new hold), release (a hold expired or was cancelled), sale, refund (an order refunded), offer (a waiting-list offer took the places)',
    }),
    seats: z
      .array(z.object({ seat_id: z.string().uuid(), section_id: z.string().uuid(), status: z.enum(SEAT_STATUSES) }))
      .openapi({ description: 'the seats the change touched, with their status as it is when the event is sent' }),
    sections: z
      .array(z.object({ section_id: z.string().uuid(), kind: z.enum(['SEATED', 'GA']), available_count: z.number().int() }))
      .openapi({ description: 'the sections the change touched (GA, and the sections of the seats), with their available count now' }),
  })
  .openapi('InventoryChange', { description: 'data of an `inventory` event of the live stream' });

export const priceChangeSchema = z
  .object({
    event_id: z.string().uuid(),
    sections: z
      .array(z.object({ section_id: z.string().uuid(), price_cents: z.number().int(), next_price_change_at: z.string().datetime().nullable() }))
      .openapi({ description: 'the sections of a DEMAND event whose period was applied, with their price and next change as they are when the event is sent' }),
  })
  .openapi('PriceChange', { description: 'data of a `price` event of the live stream (DEMAND pricing)' });

export const streamReadySchema = z
  .object({ event_id: z.string().uuid(), last_event_id: z.string() })
  .openapi('StreamReady', { description: 'data of the `ready` event: the stream is live from last_event_id on' });

export const streamReloadSchema = z
  .object({ event_id: z.string().uuid(), reason: z.string() })
  .openapi('StreamReload', { description: 'data of a `reload` event: changes were missed; load the seat map again (the stream goes on)' });

export const STREAM_DESCRIPTION = [
  'Server-Sent Events (text/event-stream), one connection per seat map. Events:',
  '',
  'Load the seat map first and open the stream with its X-Last-Event-Id (as Last-Event-ID or ?last_event_id=): every change after the map is then sent, none twice.',
  '',
  '- `ready` (id: the current position) once the stream is live, after any replayed changes; its data is a StreamReady.',
  '- `inventory` (id: the change) for every hold, release, sale, refund and waiting-list offer of the event, in order; its data is an InventoryChange with the seats and sections as they are now.',
  '- `price` (id: the change) each period of a DEMAND-priced event: its sections\' prices and when they next change (a hold already made keeps its price); its data is a PriceChange.',
  '- `reload` (id: the current position) when changes after the client\'s Last-Event-ID are no longer kept (about the last 1,000 changes are), or were missed: load the seat map again and reopen the stream from its X-Last-Event-Id; its data is a StreamReload.',
  '- `heartbeat` (no id) every SSE_HEARTBEAT_SECONDS (15 s) when nothing changes; its data is {time}.',
  '',
  'Every API process serves every change, whichever process or worker made it (Redis Stream per event, rung on pub/sub). A change reaches connected clients well within a second.',
].join('\n');
