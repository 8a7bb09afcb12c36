import type { EventFacts, TicketWithCode } from '../email-kinds';

/** An email ready for SMTP: both parts, and the QR codes its HTML shows inline (by Content-ID). */
export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
  qrCodes: Array<{ cid: string; code: string; ticketId: string }>;
}

export interface RenderContext {
  /** The time zone event times are written in (the venues'). */
  timeZone: string;
}

/** The contract counts money in cents without naming a currency; the demo venues are in Portugal. */
const CURRENCY = 'EUR';

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

export function money(cents: number): string {
  return new Intl.NumberFormat('en-GB', { style: 'currency', currency: CURRENCY }).format(cents / 100);
}

export function when(iso: string, ctx: RenderContext): string {
  return new Intl.DateTimeFormat('en-GB', {
    weekday: 'long',
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    timeZone: ctx.timeZone,
    timeZoneName: 'short',
  }).format(new Date(iso));
}

export function whereAndWhen(event: EventFacts, ctx: RenderContext): string {
  return `${when(event.startsAt, ctx)} at ${event.venueName}, ${event.city}`;
}

export function qrCid(ticket: TicketWithCode): string {
  return `qr-${ticket.ticketId}@tickets`;
}

export function qrCodesOf(tickets: TicketWithCode[]): RenderedEmail['qrCodes'] {
  return tickets.map((t) => ({ cid: qrCid(t), code: t.code, ticketId: t.ticketId }));
}

/** One ticket in the HTML part: its label and its QR code, shown from the attachment. */
export function ticketBlock(ticket: TicketWithCode): string {
  return `<div style="margin:16px 0;padding:12px;border:1px solid #ddd;border-radius:8px;text-align:center">
  <p style="margin:0 0 8px;font-weight:bold">${escapeHtml(ticket.label)}</p>
  <img src="cid:${qrCid(ticket)}" width="240" height="240" alt="QR code of your ticket: ${escapeHtml(ticket.label)}">
  <p style="margin:8px 0 0;font-size:12px;color:#555">Ticket ${escapeHtml(ticket.ticketId)}</p>
</div>`;
}

/** A whole HTML email around `body` (already escaped): one column, readable on a phone. */
export function htmlPage(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${escapeHtml(title)}</title></head>
<body style="margin:0;padding:0;background:#f4f4f4;font-family:Arial,Helvetica,sans-serif;color:#222">
<div style="max-width:560px;margin:0 auto;padding:24px;background:#ffffff">
${body}
<p style="margin-top:32px;font-size:12px;color:#777">You get this email because something happened to your tickets.</p>
</div>
</body>
</html>`;
}

export function paragraph(text: string): string {
  return `<p style="line-height:1.5">${escapeHtml(text)}</p>`;
}

export function greeting(name: string): string {
  return `Hi ${name || 'there'},`;
}
