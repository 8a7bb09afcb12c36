import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { webBuildReason } from '../../scripts/web-build';
import { findChromium } from '../../scripts/ensure-deps';
import type { HttpClient } from './http';
import type { Buyer } from './scenario';

/** Screenshots of each scenario's final state (gitignored; a few are copied to docs/screenshots). */
export const ARTIFACTS_DIR = join(__dirname, '..', '..', 'test-artifacts', 'web');

/** Debian's chromium (npm test installs it); Playwright's own browser downloads do not work here. `extraArgs`: a fake camera, say. */
export async function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  const reason = webBuildReason();
  if (reason) throw new Error(`the web page is not built (${reason}): run the tests with \`npm test\`, or \`node scripts/web-build.js\``);
  const executablePath = findChromium();
  if (!executablePath) throw new Error('chromium not found (/usr/bin/chromium): run the tests with `npm test`, which installs it, or set CHROMIUM_PATH');
  return chromium.launch({ executablePath, args: ['--disable-dev-shm-usage', '--disable-gpu', ...extraArgs] });
}

export interface FanSession {
  user: { id: string; email: string; name: string; role: string };
  token: string;
}

/** The session the page keeps in localStorage for a fan made through the API. */
export async function sessionOf(api: HttpClient, buyer: Buyer): Promise<FanSession> {
  const me = await api.get('/api/v1/auth/me', { token: buyer.token });
  if (me.status !== 200) throw new Error(`me: ${me.status}`);
  return { user: me.body.user, token: buyer.token };
}

/** A browser context already logged in as `session` (or anonymous), on a phone-sized or desktop screen. */
export async function fanContext(browser: Browser, baseUrl: string, session: FanSession | null, options: { phone?: boolean; bypassCSP?: boolean } = {}): Promise<BrowserContext> {
  const context = await browser.newContext({
    baseURL: baseUrl,
    viewport: options.phone ? { width: 390, height: 844 } : { width: 1280, height: 900 },
    isMobile: options.phone ?? false,
    hasTouch: options.phone ?? false,
    bypassCSP: options.bypassCSP ?? false,
  });
  if (session) await context.addInitScript({ content: `localStorage.setItem('tickets.session', ${JSON.stringify(JSON.stringify(session))});` });
  return context;
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const path = join(ARTIFACTS_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Errors the page threw or logged (a CSP refusal, an exception): a scenario expects none. */
export function collectPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  page.on('console', (msg) => {
    // A failed request is the API's refusal the page shows in words, not a page error.
    if (msg.type() === 'error' && !/Failed to load resource/.test(msg.text())) errors.push(msg.text());
  });
  return errors;
}

const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: string[] }>;
}

/** axe-core's serious and critical findings on the page as it is now (needs a bypassCSP context). */
export async function seriousAxeViolations(page: Page): Promise<AxeViolation[]> {
  await page.addScriptTag({ content: AXE_SOURCE });
  const result = (await page.evaluate('axe.run(document, { resultTypes: ["violations"] })')) as { violations: AxeViolation[] };
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target })) }));
}
