import type { EmailDataByKind } from '../email-kinds';
import { greeting, htmlPage, paragraph, whereAndWhen, type RenderContext, type RenderedEmail } from './layout';

export function eventCancelled(name: string, data: EmailDataByKind['EVENT_CANCELLED'], ctx: RenderContext): RenderedEmail {
  const subject = `${data.event.name} is cancelled`;
  const yours = data.ticketCount === 1 ? 'your ticket no longer opens the door' : data.ticketCount > 1 ? `your ${data.ticketCount} tickets no longer open the door` : 'the tickets you bought no longer open the door';
  const lines = [
    greeting(name),
    `We are sorry: ${data.event.name}, planned for ${whereAndWhen(data.event, ctx)}, is cancelled, and ${yours}.`,
    'Whoever paid for the tickets gets the money back the way they paid, and a separate email about it. You do not need to do anything.',
  ];
  return { subject, text: lines.join('\n'), html: htmlPage(subject, lines.map(paragraph).join('\n')), qrCodes: [] };
}
