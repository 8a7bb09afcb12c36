import type { EmailDataByKind, EmailKind } from './email-kinds';
import { eventCancelled } from './templates/event-cancelled';
import type { RenderContext, RenderedEmail } from './templates/layout';
import { orderConfirmed } from './templates/order-confirmed';
import { orderRefunded } from './templates/order-refunded';
import { resaleBought } from './templates/resale-bought';
import { resaleRefunded } from './templates/resale-refunded';
import { resaleSold } from './templates/resale-sold';
import { transferReceived } from './templates/transfer-received';
import { transferSent } from './templates/transfer-sent';

export type { RenderContext, RenderedEmail };

const TEMPLATES: { [K in EmailKind]: (name: string, data: EmailDataByKind[K], ctx: RenderContext) => RenderedEmail } = {
  ORDER_CONFIRMED: orderConfirmed,
  TRANSFER_SENT: transferSent,
  TRANSFER_RECEIVED: transferReceived,
  RESALE_SOLD: resaleSold,
  RESALE_BOUGHT: resaleBought,
  RESALE_REFUNDED: resaleRefunded,
  ORDER_REFUNDED: orderRefunded,
  EVENT_CANCELLED: eventCancelled,
};

/** The email an outbox row owes, in words: its data is what the action committed for this kind. */
export function renderEmail<K extends EmailKind>(kind: K, recipientName: string, data: EmailDataByKind[K], ctx: RenderContext): RenderedEmail {
  return TEMPLATES[kind](recipientName, data, ctx);
}
