import type { Browser } from 'playwright-core';
import { collectPageErrors, fanContext, launchChromium, screenshot, sessionOf } from '../support/browser';
import { useE2eStack } from '../support/e2e-stack';
import { buyThroughApi } from '../support/purchases';
import { createEventViaApi, registerBuyer, type Buyer } from '../support/scenario';

// One fan at a time is let in, and the room looks again every 200 ms.
const e2e = useE2eStack({ WAITING_ROOM_TICK_MS: '200', WAITING_ROOM_MAX_ACTIVE: '1', WAITING_ROOM_ADMISSION_WINDOW_SECONDS: '120' });
let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

async function admittedToken(buyer: Buyer, eventId: string): Promise<string> {
  for (const until = Date.now() + 20_000; Date.now() < until; await new Promise((r) => setTimeout(r, 100))) {
    const status = await e2e.api.post(`/api/v1/queue/${eventId}/join`, undefined, { token: buyer.token });
    if (status.body.state === 'ADMITTED') return status.body.queue_token;
  }
  throw new Error('never admitted');
}

describe("the fan's web page: waiting room and the door", () => {
  test('a fan waits in the waiting room of a high-demand event, sees their place, is let in by itself and holds with the queue token', async () => {
    const event = await createEventViaApi(e2e.api, e2e.admin, { gaCapacity: 50, event: { high_demand: true } });
    const first = await registerBuyer(e2e.api);
    const token = await admittedToken(first, event.eventId);

    const context = await fanContext(browser, e2e.stack.url, await sessionOf(e2e.api, await registerBuyer(e2e.api)), { phone: true });
    const page = await context.newPage();
    const errors = collectPageErrors(page);
    await page.goto(`/events/${event.eventId}`);
    await page.getByTestId('waiting-room').waitFor();
    const position = page.getByTestId('queue-position');
    await position.waitFor({ timeout: 15_000 });
    expect(await position.textContent()).toBe('1');
    await page.getByText(/Estimated wait: about/).waitFor();
    await screenshot(page, 'waiting-room-phone');

    // The fan ahead buys and is done: the page moves on without the fan doing anything.
    await buyThroughApi(e2e.api, first, event, { ga: [{ section_id: event.gaSectionId!, quantity: 1 }] }, { 'X-Queue-Token': token });
    await page.getByTestId('admitted').waitFor({ timeout: 20_000 });
    await page.getByLabel('Tickets (standing)').fill('1');
    await page.getByRole('button', { name: /^Hold 1 ticket/ }).click();
    await page.getByRole('heading', { name: 'Your hold' }).waitFor();
    await screenshot(page, 'waiting-room-admitted-hold-phone');
    expect(errors).toEqual([]);
    await context.close();
  });

  test('the scanner page admits a ticket once and refuses it the second time, in large type', async () => {
    const event = await createEventViaApi(e2e.api, e2e.admin, { rows: 1, seatsPerRow: 2 });
    const order = await buyThroughApi(e2e.api, await registerBuyer(e2e.api), event, { seat_ids: [event.seatIds[0]!] });
    const steward = await registerBuyer(e2e.api, 'Door');
    const granted = await e2e.api.request('PUT', `/api/v1/admin/users/${steward.id}/role`, { role: 'scanner' }, { token: e2e.admin });
    expect(granted.status).toBe(200);

    const context = await fanContext(browser, e2e.stack.url, await sessionOf(e2e.api, steward));
    const page = await context.newPage();
    // The door steward opens the event's door link (the page lists the events to choose from).
    await page.goto(`/scanner?event=${event.eventId}`);
    await page.getByTestId('door-event').getByText(/^Show /).waitFor();
    const verdict = page.getByTestId('verdict');
    const check = async (code: string, expected: string): Promise<void> => {
      await page.getByLabel('Ticket code (scan or paste)').fill(code);
      await page.getByRole('button', { name: 'Check ticket' }).click();
      await verdict.getByText(expected, { exact: true }).waitFor();
    };
    await check(order.tickets[0]!.qr_code, 'ADMITTED');
    expect(await verdict.textContent()).toContain('row A, seat 1');
    await screenshot(page, 'scanner-admitted');
    await check(order.tickets[0]!.qr_code, 'ALREADY USED');
    const size = await page.locator('.verdict-headline').evaluate((el: any) => parseFloat((globalThis as any).getComputedStyle(el).fontSize));
    expect(size).toBeGreaterThanOrEqual(40);
    await screenshot(page, 'scanner-already-used');
    await check(`${order.tickets[0]!.qr_code.slice(0, -4)}AAAA`, 'INVALID');
    // Another event's ticket does not open this door.
    const elsewhere = await createEventViaApi(e2e.api, e2e.admin, { rows: 1, seatsPerRow: 1 });
    const other = await buyThroughApi(e2e.api, await registerBuyer(e2e.api), elsewhere, { seat_ids: [elsewhere.seatIds[0]!] });
    await page.getByLabel('Ticket code (scan or paste)').fill(other.tickets[0]!.qr_code);
    await page.getByRole('button', { name: 'Check ticket' }).click();
    await verdict.getByText('This ticket is for another event.').waitFor();
    expect(await verdict.locator('.verdict-headline').textContent()).toBe('INVALID');
    await context.close();
  });
});
