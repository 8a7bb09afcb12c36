/**
 * The local mail catcher: MailDev from npm (docs/email.md says why). It takes every email the app
 * sends over SMTP and shows it in an inbox on the web, with an HTTP API the tests read. Reused when one
 * answers (MAIL_INBOX_URL, the one this data dir started, or the usual 127.0.0.1:1080), otherwise
 * started as a child process with its mail under dataDir/mail, on the usual ports (1025 for SMTP, 1080
 * for the inbox, or MAIL_SMTP_PORT / MAIL_WEB_PORT) or, where those are taken, on free ones. Not run
 * at all when SMTP_URL or SMTP_HOST names a real server.
 */
import * as fs from 'fs';
import * as path from 'path';
import { freePort } from './processes';
import {
  errorMessage,
  isPortOpen,
  liveOrphan,
  portFromEnv,
  spawnServer,
  tailFile,
  terminatePid,
  waitUntil,
  withTimeout,
  type StackContext,
  type Stopper,
} from './stack-util';

const HOST = '127.0.0.1';
/** The kernel process name the launcher gives itself (scripts/lib/mail-catcher.js). */
export const MAIL_CATCHER_NAME = 'mail-catcher';
const LAUNCHER = path.join(__dirname, 'mail-catcher.js');
const START_TIMEOUT_MS = 20_000;
const PROBE_TIMEOUT_MS = 2000;

export interface MailCatcher {
  /** Where the app sends: smtp://127.0.0.1:<port>. */
  smtpUrl: string;
  /** The inbox on the web, and its HTTP API (GET /email, /email/:id, /email/:id/attachment/:file). */
  inboxUrl: string;
  stop?: Stopper;
}

/** The catcher's SMTP port if `inboxUrl` is a MailDev that answers, else null. */
export async function probeMailCatcher(inboxUrl: string): Promise<number | null> {
  try {
    const res = await withTimeout('mail catcher', PROBE_TIMEOUT_MS, fetch(new URL('config', withSlash(inboxUrl))));
    if (!res.ok) return null;
    // MailDev reports the port as it was given: a number, or the string of its command line.
    const port = Number((await res.json() as { smtpPort?: unknown }).smtpPort);
    return Number.isInteger(port) && port > 0 ? port : null;
  } catch {
    return null;
  }
}

function withSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}

async function reuse(ctx: StackContext, inboxUrl: string, how: string): Promise<MailCatcher | null> {
  const smtpPort = await probeMailCatcher(inboxUrl);
  if (smtpPort === null) return null;
  const host = new URL(inboxUrl).hostname;
  ctx.log(`mail: ${how} (${inboxUrl})`);
  return { smtpUrl: `smtp://${host}:${smtpPort}`, inboxUrl: withSlash(inboxUrl) };
}

/** The usual port if nothing listens there, else a free one. */
async function portToUse(usual: number): Promise<number> {
  return (await isPortOpen(HOST, usual)) ? freePort() : usual;
}

function recordFile(ctx: StackContext): string {
  return path.join(ctx.runDir, 'mail.json');
}

async function startCatcher(ctx: StackContext): Promise<MailCatcher> {
  const smtpPort = await portToUse(portFromEnv('MAIL_SMTP_PORT', 1025));
  const webPort = await portToUse(portFromEnv('MAIL_WEB_PORT', 1080));
  const dir = path.join(ctx.dataDir, 'mail');
  fs.mkdirSync(dir, { recursive: true });
  ctx.log(`mail: starting MailDev (npm) with SMTP on ${HOST}:${smtpPort} and the inbox on ${HOST}:${webPort} (mail: ${dir})`);
  const args = [LAUNCHER, '--smtp', String(smtpPort), '--web', String(webPort), '--ip', HOST, '--web-ip', HOST, '--mail-directory', dir, '--silent'];
  const server = spawnServer(ctx, 'mail', process.execPath, args);
  const inboxUrl = `http://${HOST}:${webPort}/`;
  try {
    await waitUntil('mail catcher', START_TIMEOUT_MS, async () => (await probeMailCatcher(inboxUrl)) === smtpPort, server.exitReason);
  } catch (err) {
    await server.stop();
    throw new Error(`${errorMessage(err)}\n--- ${server.logFile} ---\n${tailFile(server.logFile)}`, { cause: err });
  }
  fs.writeFileSync(recordFile(ctx), `${JSON.stringify({ inboxUrl })}\n`);
  return {
    smtpUrl: `smtp://${HOST}:${smtpPort}`,
    inboxUrl,
    stop: async () => {
      ctx.log('mail: stopping');
      await server.stop();
      fs.rmSync(recordFile(ctx), { force: true });
    },
  };
}

/** The inbox URL the last catcher started from this data dir was on, if it left one. */
function recordedInbox(ctx: StackContext): string | null {
  try {
    const { inboxUrl } = JSON.parse(fs.readFileSync(recordFile(ctx), 'utf8')) as { inboxUrl?: unknown };
    return typeof inboxUrl === 'string' ? inboxUrl : null;
  } catch {
    return null;
  }
}

/** Null when the app is to send through a real SMTP server the environment names. */
export async function ensureMailCatcher(ctx: StackContext): Promise<MailCatcher | null> {
  if (process.env.SMTP_URL || process.env.SMTP_HOST) {
    ctx.log('mail: SMTP_URL or SMTP_HOST is set; no local mail catcher');
    return null;
  }
  const fromEnv = process.env.MAIL_INBOX_URL;
  if (fromEnv) {
    const found = await reuse(ctx, fromEnv, 'using MAIL_INBOX_URL');
    if (found) return found;
    ctx.log('mail: MAIL_INBOX_URL does not answer as a MailDev inbox; falling back to a local one');
  }
  const recorded = recordedInbox(ctx);
  if (recorded) {
    const found = await reuse(ctx, recorded, 'reusing the catcher this data dir started');
    if (found) return found;
  }
  const usual = await reuse(ctx, `http://${HOST}:${portFromEnv('MAIL_WEB_PORT', 1080)}/`, 'reusing the mail catcher on the usual port');
  if (usual) return usual;

  // A catcher left by a crashed run that no longer answers would hold its ports.
  const orphan = liveOrphan(path.join(ctx.runDir, 'mail.pid'), MAIL_CATCHER_NAME);
  if (orphan !== null) {
    ctx.log(`mail: stopping unresponsive pid ${orphan} from an earlier run`);
    await terminatePid(orphan);
  }
  return startCatcher(ctx);
}
