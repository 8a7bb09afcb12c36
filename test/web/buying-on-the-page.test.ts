import { randomUUID } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { collectPageErrors, fanContext, launchChromium, screenshot, sessionOf } from '../support/browser';
import { useE2eStack } from '../support/e2e-stack';
import { createEventViaApi, registerBuyer } from '../support/scenario';

const e2e = useE2eStack({ SSE_HEARTBEAT_SECONDS: '2' });
let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

const seat = (page: Page, seatId: string) => page.locator(`[data-seat-id="${seatId}"]`);
/** Waits until `count` QR images have loaded (the page fetches each from the API). */
async function qrCodesShown(page: Page, count: number): Promise<void> {
  const images = page.getByTestId('ticket-qr');
  for (const until = Date.now() + 15_000; Date.now() < until; await page.waitForTimeout(100)) {
    const loaded = await images.evaluateAll((imgs: any[]) => imgs.filter((img) => img.complete && img.naturalWidth > 0).length);
    if (loaded === count) return;
  }
  throw new Error(`expected ${count} QR codes on the page`);
}
const seatStatus = (page: Page, seatId: string, status: string) => page.waitForSelector(`[data-seat-id="${seatId}"][data-status="${status}"]`, { timeout: 15_000 });

async function holdSeat(page: Page, seatId: string): Promise<void> {
  await seat(page, seatId).click();
  await page.getByRole('button', { name: /^Hold 1 ticket/ }).click();
  await page.getByRole('heading', { name: 'Your hold' }).waitFor();
}

async function pay(page: Page, card: RegExp): Promise<void> {
  await page.getByLabel(card).check();
  await page.getByRole('button', { name: /^Pay / }).click();
}

describe("the fan's web page: buying", () => {
  test('a fan registers on the page, buys a seat and sees its QR code', async () => {
    const event = await createEventViaApi(e2e.api, e2e.admin, { rows: 2, seatsPerRow: 6, gaCapacity: 20 });
    const context = await fanContext(browser, e2e.stack.url, null);
    const page = await context.newPage();
    const errors = collectPageErrors(page);
    await page.goto(`/login?next=/events/${event.eventId}`);
    await page.getByRole('button', { name: 'Create an account' }).click();
    await page.getByLabel('Your name').fill('Ana Fan');
    await page.getByLabel('Email').fill(`fan-${randomUUID()}@example.com`);
    await page.getByLabel(/^Password/).fill('correct-horse-battery');
    await page.getByRole('button', { name: 'Create account' }).click();

    await page.getByRole('heading', { name: 'Seat map' }).waitFor();
    await holdSeat(page, event.seatIds[3]!);
    await pay(page, /Visa ending 4242/);
    await page.getByTestId('paid').waitFor({ timeout: 20_000 });
    await qrCodesShown(page, 1);

    // And the order is in "My tickets", with the same code.
    await page.getByRole('link', { name: 'All my tickets' }).click();
    await page.getByRole('heading', { name: 'My tickets' }).waitFor();
    await qrCodesShown(page, 1);
    expect(await page.getByRole('article').count()).toBe(1);
    await screenshot(page, 'bought-ticket-qr');
    expect(errors).toEqual([]);
    await context.close();
  });

  test('a second browser sees the seat turn HELD, then SOLD, without reloading', async () => {
    const event = await createEventViaApi(e2e.api, e2e.admin, { rows: 1, seatsPerRow: 8 });
    const target = event.seatIds[2]!;
    const watcherContext = await fanContext(browser, e2e.stack.url, null);
    const watcher = await watcherContext.newPage();
    await watcher.goto(`/events/${event.eventId}`);
    await seatStatus(watcher, target, 'AVAILABLE');
    await watcher.getByTestId('live').filter({ hasText: 'live' }).waitFor();
    // Were the page to reload, this mark would be gone.
    await watcher.evaluate('window.__notReloaded = true');

    const buyerContext = await fanContext(browser, e2e.stack.url, await sessionOf(e2e.api, await registerBuyer(e2e.api)));
    const buyer = await buyerContext.newPage();
    await buyer.goto(`/events/${event.eventId}`);
    await holdSeat(buyer, target);
    await seatStatus(watcher, target, 'HELD');
    expect(await seat(watcher, target).isDisabled()).toBe(true);

    await pay(buyer, /Visa ending 4242/);
    await buyer.getByTestId('paid').waitFor({ timeout: 20_000 });
    await seatStatus(watcher, target, 'SOLD');
    expect(await watcher.evaluate('window.__notReloaded')).toBe(true);
    expect(await watcher.getByTestId('available-count').first().textContent()).toBe('7 left');
    await screenshot(watcher, 'second-browser-sees-sold');
    await watcherContext.close();
    await buyerContext.close();
  });

  test('a 3-second hold runs out on screen and the seat is offered again', async () => {
    const event = await createEventViaApi(e2e.api, e2e.admin, { rows: 1, seatsPerRow: 4, event: { hold_duration_seconds: 3 } });
    const target = event.seatIds[0]!;
    const context = await fanContext(browser, e2e.stack.url, await sessionOf(e2e.api, await registerBuyer(e2e.api)));
    const page = await context.newPage();
    await page.goto(`/events/${event.eventId}`);
    await holdSeat(page, target);
    expect(await page.getByTestId('countdown').textContent()).toMatch(/^0:0[1-3]$/);
    await seatStatus(page, target, 'HELD');

    const message = page.getByTestId('picker-message');
    await message.waitFor({ timeout: 10_000 });
    expect(await message.textContent()).toMatch(/hold ran out.*back on sale/);
    // The server's timer released it: the live map offers the seat again, to this fan too.
    await seatStatus(page, target, 'AVAILABLE');
    expect(await seat(page, target).isEnabled()).toBe(true);
    await screenshot(page, 'hold-expired');
    await context.close();
  });

  test('a declined card keeps the hold and says so; another card then pays', async () => {
    const event = await createEventViaApi(e2e.api, e2e.admin, { rows: 1, seatsPerRow: 4, gaCapacity: 10 });
    const context = await fanContext(browser, e2e.stack.url, await sessionOf(e2e.api, await registerBuyer(e2e.api)), { phone: true });
    const page = await context.newPage();
    await page.goto(`/events/${event.eventId}`);
    await page.getByLabel('Tickets (standing)').fill('2');
    await page.getByRole('button', { name: /^Hold 2 tickets/ }).click();
    await page.getByRole('heading', { name: 'Your hold' }).waitFor();

    await pay(page, /ending 0002 — declined/);
    const declined = page.getByTestId('payment-error');
    await declined.waitFor();
    expect(await declined.textContent()).toMatch(/declined and nothing was charged/);
    await page.getByText('2 payment attempts left for this hold.').waitFor();
    expect(await page.getByRole('heading', { name: 'Your hold' }).isVisible()).toBe(true);

    await pay(page, /Visa ending 4242/);
    await page.getByTestId('paid').waitFor({ timeout: 20_000 });
    await qrCodesShown(page, 2);
    await screenshot(page, 'declined-then-paid-phone');
    await context.close();
  });
});
