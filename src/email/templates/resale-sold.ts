import type { EmailDataByKind } from '../email-kinds';
import { greeting, htmlPage, money, paragraph, whereAndWhen, type RenderContext, type RenderedEmail } from './layout';

export function resaleSold(name: string, data: EmailDataByKind['RESALE_SOLD'], ctx: RenderContext): RenderedEmail {
  const subject = `Your ticket for ${data.event.name} sold`;
  const lines = [
    greeting(name),
    `Good news: your ticket (${data.ticket.label}) for ${data.event.name} found a buyer.`,
    `We are paying you ${money(data.payoutCents)}.`,
    `Your old code no longer opens the door; the buyer has a new one.`,
    `The event: ${whereAndWhen(data.event, ctx)}.`,
  ];
  return { subject, text: [...lines, '', `Listing ${data.listingId}`].join('\n'), html: htmlPage(subject, lines.map(paragraph).join('\n')), qrCodes: [] };
}
