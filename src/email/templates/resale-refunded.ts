import type { EmailDataByKind } from '../email-kinds';
import { greeting, htmlPage, money, paragraph, type RenderContext, type RenderedEmail } from './layout';

export function resaleRefunded(name: string, data: EmailDataByKind['RESALE_REFUNDED'], _ctx: RenderContext): RenderedEmail {
  const subject = `Your refund for ${data.event.name}`;
  const lines = [
    greeting(name),
    data.eventCancelled
      ? `${data.event.name} has been cancelled, so we are refunding the ticket you bought from another fan.`
      : `The order your resale ticket came from has been refunded, so we are refunding what you paid for it.`,
    `${money(data.amountCents)} goes back the way you paid; your bank may take a few days to show it.`,
    `Your ticket (${data.ticket.label}) no longer opens the door.`,
  ];
  const footer = `Resale purchase ${data.purchaseId}`;
  return { subject, text: [...lines, '', footer].join('\n'), html: htmlPage(subject, [...lines.map(paragraph), paragraph(footer)].join('\n')), qrCodes: [] };
}
