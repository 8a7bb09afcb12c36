import type { Browser, Page } from 'playwright-core';
import { collectPageErrors, fanContext, launchChromium, screenshot, seriousAxeViolations, sessionOf } from '../support/browser';
import { useE2eStack } from '../support/e2e-stack';
import { buyThroughApi } from '../support/resale';
import { createEventViaApi, registerBuyer } from '../support/scenario';

const e2e = useE2eStack();
let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

/** Waits until `count` QR images have loaded (the page fetches each from the API). */
async function qrCodesShown(page: Page, count: number): Promise<void> {
  const images = page.getByTestId('ticket-qr');
  for (const until = Date.now() + 15_000; Date.now() < until; await page.waitForTimeout(100)) {
    const loaded = await images.evaluateAll((imgs: any[]) => imgs.filter((img) => img.complete && img.naturalWidth > 0).length);
    if (loaded === count) return;
  }
  throw new Error(`expected ${count} QR codes on the page`);
}

describe("the fan's web page: resale", () => {
  test('a fan sells a ticket from My tickets and another buys it on the event page; the seller sees it sold and only the new code opens the door', async () => {
    const event = await createEventViaApi(e2e.api, e2e.admin, { rows: 1, seatsPerRow: 6, event: { resale: { max_price_percent: 90, fee_percent: 10 } } });
    const [sellerFan, buyerFan] = [await registerBuyer(e2e.api, 'Sam Seller'), await registerBuyer(e2e.api, 'Bea Buyer')];
    const bought = await buyThroughApi(e2e.api, sellerFan, event, { seat_ids: [event.seatIds[0]] });
    const oldCode = bought.tickets[0].qr_code as string;

    // The seller lists the seat from "My tickets", at most 90 % of 350.00.
    const sellerContext = await fanContext(browser, e2e.stack.url, await sessionOf(e2e.api, sellerFan), { bypassCSP: true });
    const seller = await sellerContext.newPage();
    const sellerErrors = collectPageErrors(seller);
    await seller.goto('/tickets');
    const price = seller.getByLabel(/Sell this ticket: your price, at most .*315\.00/);
    await price.waitFor();
    expect(await seriousAxeViolations(seller)).toEqual([]);
    await price.fill('300');
    // Once listed, the offer stays on screen while the page reloads the tickets and the listing behind it
    // (it once flashed back to the price form in between, taking the Withdraw button with it).
    await seller.evaluate(() => {
      const page = globalThis as any; // the test's tsconfig has no DOM types
      const seen = { listed: false, lost: false };
      page.listedSeen = seen;
      new page.MutationObserver(() => {
        if (page.document.querySelector('[data-testid="listed"]')) seen.listed = true;
        else if (seen.listed) seen.lost = true;
      }).observe(page.document.body, { childList: true, subtree: true });
    });
    const listingFetchedAgain = seller.waitForResponse((r) => r.request().method() === 'GET' && /\/api\/v1\/resale\/[0-9a-f-]{36}$/.test(r.url()));
    await seller.getByRole('button', { name: 'Sell', exact: true }).click();
    const listed = seller.getByTestId('listed');
    await listed.waitFor();
    expect(await listed.textContent()).toMatch(/For sale at .*300\.00: you get .*270\.00/);
    expect((await listingFetchedAgain).status()).toBe(200);
    expect(await seller.evaluate(() => (globalThis as any).listedSeen)).toEqual({ listed: true, lost: false });
    expect(await seller.getByRole('button', { name: /^Withdraw .* from resale$/ }).isVisible()).toBe(true);
    await screenshot(seller, 'resale-listed');

    // Another fan finds it on the event page, cheapest first, and pays with a card.
    const buyerContext = await fanContext(browser, e2e.stack.url, await sessionOf(e2e.api, buyerFan), { bypassCSP: true, phone: true });
    const buyer = await buyerContext.newPage();
    const buyerErrors = collectPageErrors(buyer);
    await buyer.goto(`/events/${event.eventId}`);
    await buyer.getByRole('heading', { name: 'Resale at face value' }).waitFor();
    await buyer.getByRole('button', { name: /^Buy Floor, row A, seat 1 for .*300\.00$/ }).click();
    await buyer.getByLabel(/Visa ending 4242/).check();
    expect(await seriousAxeViolations(buyer)).toEqual([]);
    await buyer.getByRole('button', { name: /^Pay .*300\.00$/ }).click();
    await buyer.getByTestId('resale-bought').waitFor({ timeout: 20_000 });
    await qrCodesShown(buyer, 1);
    // The list is loaded again after the purchase: the one listing is gone from it.
    await buyer.getByText('No tickets for resale right now.').waitFor();
    await screenshot(buyer, 'resale-bought-phone');
    await buyer.goto('/tickets');
    await buyer.getByRole('heading', { name: 'Tickets from other fans' }).waitFor();
    await qrCodesShown(buyer, 1);

    // The seller's page shows the ticket sold; the old code is refused at the door, the new one admitted.
    await seller.reload();
    await seller.getByText('Sold on resale').waitFor();
    expect(await seller.getByTestId('ticket-qr').count()).toBe(0);
    const steward = await registerBuyer(e2e.api, 'Door');
    expect((await e2e.api.request('PUT', `/api/v1/admin/users/${steward.id}/role`, { role: 'scanner' }, { token: e2e.admin })).status).toBe(200);
    const doorContext = await fanContext(browser, e2e.stack.url, await sessionOf(e2e.api, steward));
    const door = await doorContext.newPage();
    await door.goto(`/scanner?event=${event.eventId}`);
    const verdict = door.getByTestId('verdict');
    const check = async (code: string, expected: string): Promise<void> => {
      await door.getByLabel('Ticket code (scan or paste)').fill(code);
      await door.getByRole('button', { name: 'Check ticket' }).click();
      await verdict.getByText(expected, { exact: true }).waitFor();
    };
    await check(oldCode, 'INVALID');
    expect(await verdict.textContent()).toMatch(/sold on resale/);
    const mine = await e2e.api.get('/api/v1/tickets', { token: buyerFan.token });
    await check(mine.body.tickets[0].qr_code, 'ADMITTED');
    expect([...sellerErrors, ...buyerErrors]).toEqual([]);
    await doorContext.close();
    await sellerContext.close();
    await buyerContext.close();
  });

  test('a seller asking more than the cap is told the most they can ask, and can withdraw a listing', async () => {
    const event = await createEventViaApi(e2e.api, e2e.admin, { gaCapacity: 10, event: { resale: { max_price_percent: 50, fee_percent: 0 } } });
    const fan = await registerBuyer(e2e.api);
    await buyThroughApi(e2e.api, fan, event, { ga: [{ section_id: event.gaSectionId, quantity: 1 }] });
    const context = await fanContext(browser, e2e.stack.url, await sessionOf(e2e.api, fan));
    const page = await context.newPage();
    await page.goto('/tickets');
    const price = page.getByLabel(/Sell this ticket: your price, at most .*25\.00/);
    await price.waitFor();
    // The browser's own check knows the cap too; the API's answer is what counts, so it is asked past the input's max.
    await price.evaluate((input: any) => input.removeAttribute('max'));
    await price.fill('30');
    await page.getByRole('button', { name: 'Sell', exact: true }).click();
    await page.getByRole('alert').filter({ hasText: /above what the organiser allows.*most you can ask is .*25\.00/ }).waitFor();

    await price.fill('20');
    await page.getByRole('button', { name: 'Sell', exact: true }).click();
    await page.getByTestId('listed').waitFor();
    expect((await e2e.api.get(`/api/v1/events/${event.eventId}/resale`)).body.listings).toHaveLength(1);
    await page.getByRole('button', { name: /^Withdraw .* from resale$/ }).click();
    await page.getByText('Withdrawn: the ticket is no longer for sale.').waitFor();
    expect((await e2e.api.get(`/api/v1/events/${event.eventId}/resale`)).body.listings).toEqual([]);
    await context.close();
  });
});
