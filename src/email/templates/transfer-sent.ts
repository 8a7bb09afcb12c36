import type { EmailDataByKind } from '../email-kinds';
import { greeting, htmlPage, paragraph, whereAndWhen, type RenderContext, type RenderedEmail } from './layout';

export function transferSent(name: string, data: EmailDataByKind['TRANSFER_SENT'], ctx: RenderContext): RenderedEmail {
  const subject = `You passed your ticket for ${data.event.name} to ${data.toName}`;
  const lines = [
    greeting(name),
    `Your ticket (${data.ticket.label}) for ${data.event.name} now belongs to ${data.toName}, who has been sent a new code.`,
    `The code you had no longer opens the door, so there is nothing more to keep.`,
    `The event: ${whereAndWhen(data.event, ctx)}.`,
    `If you did not do this, contact us straight away.`,
  ];
  return { subject, text: [...lines, '', `Ticket ${data.ticket.ticketId}`].join('\n'), html: htmlPage(subject, lines.map(paragraph).join('\n')), qrCodes: [] };
}
