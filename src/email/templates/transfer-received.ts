import type { EmailDataByKind } from '../email-kinds';
import { greeting, htmlPage, paragraph, qrCodesOf, ticketBlock, whereAndWhen, type RenderContext, type RenderedEmail } from './layout';

export function transferReceived(name: string, data: EmailDataByKind['TRANSFER_RECEIVED'], ctx: RenderContext): RenderedEmail {
  const subject = `${data.fromName} sent you a ticket for ${data.event.name}`;
  const lines = [
    greeting(name),
    `${data.fromName} passed you a ticket for ${data.event.name}: it is yours now, and below.`,
    `When: ${whereAndWhen(data.event, ctx)}.`,
    'At the door, show this QR code on your phone or on paper. It opens the door once.',
  ];
  const text = [...lines, '', `- ${data.ticket.label} (ticket ${data.ticket.ticketId})`].join('\n');
  return { subject, text, html: htmlPage(subject, [...lines.map(paragraph), ticketBlock(data.ticket)].join('\n')), qrCodes: qrCodesOf([data.ticket]) };
}
