import type { EmailDataByKind } from '../email-kinds';
import { greeting, htmlPage, money, paragraph, type RenderContext, type RenderedEmail } from './layout';

export function orderRefunded(name: string, data: EmailDataByKind['ORDER_REFUNDED'], _ctx: RenderContext): RenderedEmail {
  const subject = `Your refund for ${data.event.name}`;
  const tickets = data.ticketCount === 1 ? 'The ticket of this order no longer opens the door.' : `The ${data.ticketCount} tickets of this order no longer open the door.`;
  const lines = [
    greeting(name),
    data.eventCancelled ? `${data.event.name} has been cancelled, so we are refunding your order.` : `We are refunding your order for ${data.event.name}.`,
    `${money(data.amountCents)} goes back the way you paid; your bank may take a few days to show it.`,
    tickets,
  ];
  return { subject, text: [...lines, '', `Order ${data.orderId}`].join('\n'), html: htmlPage(subject, [...lines.map(paragraph), paragraph(`Order ${data.orderId}`)].join('\n')), qrCodes: [] };
}
