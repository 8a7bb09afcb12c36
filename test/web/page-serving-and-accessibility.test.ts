import type { Browser, Page } from 'playwright-core';
import { fanContext, launchChromium, screenshot, seriousAxeViolations, sessionOf } from '../support/browser';
import { useE2eStack } from '../support/e2e-stack';
import { buyThroughApi } from '../support/purchases';
import { createEventViaApi, registerBuyer } from '../support/scenario';

const e2e = useE2eStack();
let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

describe('the API serves the web page', () => {
  test('the page at / and at its own routes, with a CSP of its own; the API, OpenAPI, health and metrics paths and API clients\' unknown paths are not swallowed', async () => {
    for (const path of ['/', '/events/00000000-0000-4000-8000-000000000000', '/tickets', '/scanner']) {
      const res = await e2e.api.get(path, { headers: { accept: 'text/html' } });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    }
    const missingApi = await e2e.api.get('/api/v1/no-such-thing', { headers: { accept: 'text/html' } });
    expect(missingApi.status).toBe(404);
    expect(missingApi.body.error).toBe('NOT_FOUND');
    expect((await e2e.api.get('/api/v1', { headers: { accept: 'text/html' } })).body.error).toBe('NOT_FOUND');
    expect((await e2e.api.get('/openapi.json', { headers: { accept: 'text/html' } })).body.openapi).toMatch(/^3\./);
    expect((await e2e.api.get('/health', { headers: { accept: 'text/html' } })).headers.get('content-type')).toMatch(/json/);
    expect((await e2e.api.get('/metrics', { headers: { accept: 'text/html' } })).headers.get('content-type')).toMatch(/^text\/plain/);
    expect((await e2e.api.get('/metrics/extra', { headers: { accept: 'text/html' } })).status).toBe(404);
    expect((await e2e.api.get('/assets/no-such-file.js')).status).toBe(404);
    expect((await e2e.api.post('/')).status).toBe(404);
    // An API client (no preference, or JSON) asking for an unknown path gets the API's 404, not the page.
    for (const accept of ['*/*', 'application/json']) {
      const unknown = await e2e.api.get('/nowhere', { headers: { accept } });
      expect(unknown.status).toBe(404);
      expect(unknown.body.error).toBe('NOT_FOUND');
    }
  });
});

describe('the main pages have no serious or critical accessibility violations (axe-core)', () => {
  async function expectAccessible(page: Page, name: string): Promise<void> {
    const violations = await seriousAxeViolations(page);
    expect({ page: name, violations }).toEqual({ page: name, violations: [] });
  }

  test('events, log in, an event with a hold and checkout, my tickets and the scanner', async () => {
    const event = await createEventViaApi(e2e.api, e2e.admin, { rows: 3, seatsPerRow: 8, gaCapacity: 30 });
    const fan = await registerBuyer(e2e.api, 'Ana');
    await buyThroughApi(e2e.api, fan, event, { seat_ids: [event.seatIds[0]!] });
    // axe is injected as a script: this context lets it past the page's CSP.
    const anonymous = await fanContext(browser, e2e.stack.url, null, { bypassCSP: true });
    const page = await anonymous.newPage();
    await page.goto('/');
    await page.getByRole('heading', { name: 'Events' }).waitFor();
    await page.getByRole('listitem').filter({ hasText: 'Show' }).first().waitFor();
    await expectAccessible(page, 'events');
    await page.goto('/login');
    await page.getByRole('heading', { name: 'Log in' }).waitFor();
    await expectAccessible(page, 'login');
    await anonymous.close();

    const context = await fanContext(browser, e2e.stack.url, await sessionOf(e2e.api, fan), { bypassCSP: true, phone: true });
    const phone = await context.newPage();
    await phone.goto(`/events/${event.eventId}`);
    await phone.locator(`[data-seat-id="${event.seatIds[5]}"]`).click();
    await phone.getByRole('button', { name: /^Hold 1 ticket/ }).click();
    await phone.getByRole('heading', { name: 'Your hold' }).waitFor();
    await expectAccessible(phone, 'event with a hold');
    await screenshot(phone, 'event-hold-checkout-phone');
    await phone.goto('/tickets');
    await phone.getByTestId('ticket-qr').waitFor();
    await expectAccessible(phone, 'my tickets');

    const door = await registerBuyer(e2e.api, 'Door');
    await e2e.api.request('PUT', `/api/v1/admin/users/${door.id}/role`, { role: 'scanner' }, { token: e2e.admin });
    const doorContext = await fanContext(browser, e2e.stack.url, await sessionOf(e2e.api, door), { bypassCSP: true });
    const scanner = await doorContext.newPage();
    await scanner.goto('/scanner');
    await scanner.getByText('Which event is this door for?').waitFor();
    await scanner.getByRole('listitem').filter({ hasText: 'Show' }).first().waitFor();
    await expectAccessible(scanner, 'scanner: choosing the door');
    await scanner.goto(`/scanner?event=${event.eventId}`);
    await scanner.getByLabel('Ticket code (scan or paste)').fill('not-a-ticket');
    await scanner.getByRole('button', { name: 'Check ticket' }).click();
    await scanner.getByTestId('verdict').getByText('INVALID', { exact: true }).waitFor();
    await expectAccessible(scanner, 'scanner');
    await context.close();
    await doorContext.close();
  });

  test('the page works by keyboard: a fan reaches a seat with Tab and holds it with Enter, and focus is visible', async () => {
    const event = await createEventViaApi(e2e.api, e2e.admin, { rows: 1, seatsPerRow: 3 });
    const context = await fanContext(browser, e2e.stack.url, await sessionOf(e2e.api, await registerBuyer(e2e.api)));
    const page = await context.newPage();
    await page.goto(`/events/${event.eventId}`);
    const first = page.locator(`[data-seat-id="${event.seatIds[0]}"]`);
    await first.waitFor();
    for (let i = 0; i < 30 && !(await first.evaluate((el: any) => el === el.ownerDocument.activeElement)); i++) await page.keyboard.press('Tab');
    const outline = await first.evaluate((el: any) => el.ownerDocument.defaultView.getComputedStyle(el).outlineStyle);
    expect(outline).toBe('solid');
    await page.keyboard.press('Enter');
    expect(await first.getAttribute('aria-pressed')).toBe('true');
    for (let i = 0; i < 10 && !(await page.evaluate('document.activeElement?.textContent ?? ""') as string).startsWith('Hold'); i++) await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Your hold' }).waitFor();
    await context.close();
  });
});
