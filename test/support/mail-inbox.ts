/**
 * The mail catcher's inbox, read through its HTTP API (MailDev: GET /email, /email/:id/attachment/:file),
 * as `npm test` passes it in MAIL_INBOX_URL. Every suite's emails land in one inbox: a scenario reads
 * only those sent to its own fans (registerBuyer makes a fresh address each time).
 */
export interface CaughtEmail {
  id: string;
  subject: string;
  messageId: string;
  to: Array<{ address: string; name: string }>;
  from: Array<{ address: string; name: string }>;
  text: string;
  html: string;
  headers: Record<string, string>;
  attachments?: Array<{ contentType: string; fileName: string; contentId?: string; contentDisposition?: string; generatedFileName: string }>;
}

export function inboxUrl(): string {
  const url = process.env.MAIL_INBOX_URL;
  if (!url) throw new Error('MAIL_INBOX_URL is not set: run the email suites with `npm test` (it starts or reuses the mail catcher)');
  return url.endsWith('/') ? url : `${url}/`;
}

/** Every email the catcher holds for `address` (any case), oldest first. */
export async function emailsTo(address: string): Promise<CaughtEmail[]> {
  const res = await fetch(new URL('email', inboxUrl()));
  if (!res.ok) throw new Error(`mail catcher: GET /email answered ${res.status}`);
  const all = (await res.json()) as CaughtEmail[];
  return all.filter((email) => email.to.some((to) => to.address.toLowerCase() === address.toLowerCase()));
}

/** Waits until `address` has at least `count` emails that `match`, and returns all of those. */
export async function waitForEmails(address: string, count: number, match: (email: CaughtEmail) => boolean = () => true, timeoutMs = 60_000): Promise<CaughtEmail[]> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const found = (await emailsTo(address)).filter(match);
    if (found.length >= count) return found;
    if (Date.now() > until) throw new Error(`${address} has ${found.length} of ${count} emails after ${timeoutMs / 1000}s`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** The bytes of one attachment, as the catcher stored them. */
export async function attachmentOf(email: CaughtEmail, generatedFileName: string): Promise<Buffer> {
  const res = await fetch(new URL(`email/${email.id}/attachment/${generatedFileName}`, inboxUrl()));
  if (!res.ok) throw new Error(`mail catcher: attachment ${generatedFileName} answered ${res.status}`);
  return Buffer.from(await res.arrayBuffer());
}
