import type { EmailDataByKind } from '../email-kinds';
import { greeting, htmlPage, money, paragraph, qrCodesOf, ticketBlock, whereAndWhen, type RenderContext, type RenderedEmail } from './layout';

export function resaleBought(name: string, data: EmailDataByKind['RESALE_BOUGHT'], ctx: RenderContext): RenderedEmail {
  const subject = `Your resale ticket for ${data.event.name}`;
  const lines = [
    greeting(name),
    `You bought a ticket for ${data.event.name} from another fan, at face value or less: you paid ${money(data.priceCents)}.`,
    `When: ${whereAndWhen(data.event, ctx)}.`,
    'The ticket below has a new code made for you; the seller\'s old one no longer works. Show it at the door.',
  ];
  const text = [...lines, '', `- ${data.ticket.label} (ticket ${data.ticket.ticketId})`].join('\n');
  return { subject, text, html: htmlPage(subject, [...lines.map(paragraph), ticketBlock(data.ticket)].join('\n')), qrCodes: qrCodesOf([data.ticket]) };
}
