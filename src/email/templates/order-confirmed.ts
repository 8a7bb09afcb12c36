import type { EmailDataByKind } from '../email-kinds';
import { greeting, htmlPage, money, paragraph, qrCodesOf, ticketBlock, whereAndWhen, type RenderContext, type RenderedEmail } from './layout';

export function orderConfirmed(name: string, data: EmailDataByKind['ORDER_CONFIRMED'], ctx: RenderContext): RenderedEmail {
  const count = data.tickets.length === 1 ? 'your ticket' : `your ${data.tickets.length} tickets`;
  const subject = `Your tickets for ${data.event.name}`;
  const lines = [
    greeting(name),
    `Thanks for your order: ${count} for ${data.event.name} ${data.tickets.length === 1 ? 'is' : 'are'} below. You paid ${money(data.totalCents)}.`,
    `When: ${whereAndWhen(data.event, ctx)}.`,
    'At the door, show the QR code of each ticket on your phone or on paper. Each code opens the door once.',
  ];
  const text = [...lines, '', ...data.tickets.map((t) => `- ${t.label} (ticket ${t.ticketId})`), '', `Order ${data.orderId}`].join('\n');
  const html = htmlPage(subject, [...lines.map(paragraph), ...data.tickets.map(ticketBlock), paragraph(`Order ${data.orderId}`)].join('\n'));
  return { subject, text, html, qrCodes: qrCodesOf(data.tickets) };
}
