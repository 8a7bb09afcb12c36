import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { ARTIFACTS_DIR, collectPageErrors, fanContext, launchChromium, screenshot, sessionOf } from '../support/browser';
import { useE2eStack } from '../support/e2e-stack';
import { writeQrCodeVideo } from '../support/fake-camera';
import { runPricingPeriod } from '../support/pricing-harness';
import { createEventViaApi, registerBuyer, type Buyer } from '../support/scenario';

const e2e = useE2eStack({ SSE_HEARTBEAT_SECONDS: '2' });
let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

const PERIOD = 600;
const inSection = (page: Page, sectionId: string, testId: string) => page.locator(`[data-section-id="${sectionId}"] [data-testid="${testId}"]`);

async function textBecomes(page: Page, locator: ReturnType<typeof inSection>, pattern: RegExp): Promise<string> {
  for (const until = Date.now() + 15_000; Date.now() < until; await page.waitForTimeout(100)) {
    const text = (await locator.textContent()) ?? '';
    if (pattern.test(text)) return text;
  }
  throw new Error(`expected ${pattern} on the page, saw ${await locator.textContent()}`);
}

describe('a DEMAND-priced event on the fan page', () => {
  test("the page names the venue, shows each section's price and next change, and moves the price live when a period is applied", async () => {
    const event = await createEventViaApi(e2e.api, e2e.admin, {
      rows: 1,
      seatsPerRow: 4,
      gaCapacity: 10,
      event: { pricing: { mode: 'DEMAND', period_seconds: PERIOD, max_step_percent: 10 } },
    });
    const detail = (await e2e.api.get(`/api/v1/events/${event.eventId}`)).body;
    const context = await fanContext(browser, e2e.stack.url, await sessionOf(e2e.api, await registerBuyer(e2e.api)));
    const page = await context.newPage();
    const errors = collectPageErrors(page);
    await page.goto(`/events/${event.eventId}`);
    await page.getByTestId('live').filter({ hasText: 'live' }).waitFor();
    await page.evaluate('window.__notReloaded = true');

    // The venue by its name and city, never by its id.
    const intro = (await page.locator('h1 + p').textContent()) ?? '';
    expect(intro).toContain(`${detail.venue.name}, ${detail.venue.city}`);
    expect(await page.locator('body').textContent()).not.toContain(detail.venue.id);

    expect(await inSection(page, event.seatedSectionId!, 'section-price').textContent()).toMatch(/350\.00/);
    expect(await inSection(page, event.gaSectionId!, 'section-price').textContent()).toMatch(/50\.00/);
    const next = inSection(page, event.seatedSectionId!, 'next-price-change');
    expect(await next.getAttribute('data-at')).toBe(detail.pricing.next_change_at);
    expect(await next.textContent()).toMatch(/next change at .+\. A hold keeps the price it was made at\./);

    // Three of the four seats held, then the period ends: the seated price rises 10% on screen.
    const holder = await registerBuyer(e2e.api);
    expect((await e2e.api.post('/api/v1/reservations', { event_id: event.eventId, seat_ids: event.seatIds.slice(0, 3) }, { token: holder.token })).status).toBe(201);
    const periodAt = Date.parse(detail.pricing.next_change_at);
    expect(await runPricingPeriod({ pool: e2e.stack.server.deps.pool, redis: e2e.stack.server.deps.redis }, event.eventId, periodAt)).toEqual({ applied: true, changed: 1 });

    await textBecomes(page, inSection(page, event.seatedSectionId!, 'section-price'), /385\.00/);
    expect(await inSection(page, event.gaSectionId!, 'section-price').textContent()).toMatch(/50\.00/);
    for (let i = 0; i < 50 && (await next.getAttribute('data-at')) !== new Date(periodAt + PERIOD * 1000).toISOString(); i++) await page.waitForTimeout(100);
    expect(await next.getAttribute('data-at')).toBe(new Date(periodAt + PERIOD * 1000).toISOString());
    expect(await page.evaluate('window.__notReloaded')).toBe(true);
    await screenshot(page, 'demand-price-moved');
    expect(errors).toEqual([]);
    await context.close();
  });
});

describe("the hold's countdown runs on the server's clock", () => {
  test('on a device whose clock is 10 minutes fast, a 10-minute hold still shows about 10 minutes and is not declared over', async () => {
    const event = await createEventViaApi(e2e.api, e2e.admin, { rows: 1, seatsPerRow: 4 });
    const context = await fanContext(browser, e2e.stack.url, await sessionOf(e2e.api, await registerBuyer(e2e.api)));
    // The device's clock, not the page's: every Date the page makes reads 10 minutes ahead.
    await context.addInitScript({
      content: `(() => {
        const Real = Date, shift = 10 * 60 * 1000;
        class DeviceDate extends Real { constructor(...args) { if (args.length === 0) super(Real.now() + shift); else super(...args); } static now() { return Real.now() + shift; } }
        globalThis.Date = DeviceDate;
      })();`,
    });
    const page = await context.newPage();
    await page.goto(`/events/${event.eventId}`);
    expect(await page.evaluate('Date.now() - performance.timeOrigin - performance.now()')).toBeGreaterThan(9 * 60 * 1000);
    await page.locator(`[data-seat-id="${event.seatIds[0]}"]`).click();
    await page.getByRole('button', { name: /^Hold 1 ticket/ }).click();
    await page.getByRole('heading', { name: 'Your hold' }).waitFor();
    // Read twice, a second apart: the timer is running and near ten minutes, not at zero (the device's view).
    expect(await page.getByTestId('countdown').textContent()).toMatch(/^(10:0[01]|9:5\d)$/);
    await page.waitForTimeout(1200);
    expect(await page.getByTestId('countdown').textContent()).toMatch(/^(10:00|9:5\d)$/);
    expect(await page.getByTestId('picker-message').count()).toBe(0);
    await context.close();
  });
});

describe("the door's scanner reads the ticket's QR code with the camera", () => {
  let cameraBrowser: Browser;
  let buyer: Buyer;
  let codes: string[];
  let eventId: string;

  beforeAll(async () => {
    const event = await createEventViaApi(e2e.api, e2e.admin, { rows: 1, seatsPerRow: 4 });
    eventId = event.eventId;
    buyer = await registerBuyer(e2e.api);
    const held = await e2e.api.post('/api/v1/reservations', { event_id: event.eventId, seat_ids: event.seatIds.slice(0, 2) }, { token: buyer.token });
    const paid = await e2e.api.post(`/api/v1/reservations/${held.body.reservation_id}/confirm`, { payment_method_id: 'pm_card_visa' }, { token: buyer.token });
    expect(paid.status).toBe(200);
    codes = paid.body.tickets.map((t: { qr_code: string }) => t.qr_code);
    mkdirSync(ARTIFACTS_DIR, { recursive: true });
    const video = join(ARTIFACTS_DIR, 'fake-camera-ticket.y4m');
    writeQrCodeVideo(video, codes[0]!);
    cameraBrowser = await launchChromium(['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-video-capture=${video}`]);
  });
  afterAll(async () => {
    await cameraBrowser?.close();
  });

  test('a code shown to the camera is admitted once, and a pasted code still works beside it', async () => {
    const context = await fanContext(cameraBrowser, e2e.stack.url, await sessionOf(e2e.api, { id: '', email: '', token: e2e.admin }));
    await context.grantPermissions(['camera']);
    const page = await context.newPage();
    const errors = collectPageErrors(page);
    await page.goto(`/scanner?event=${eventId}`);
    await page.getByRole('button', { name: 'Scan with the camera' }).click();
    const verdict = page.getByTestId('verdict');
    await textBecomes(page, verdict, /ADMITTED/);
    // The code stays in front of the camera: it is not checked again (that would read ALREADY USED).
    await page.waitForTimeout(1500);
    expect(await verdict.textContent()).toMatch(/ADMITTED/);
    const { rows } = await e2e.stack.server.deps.pool.query<{ status: string }>('SELECT status FROM tickets WHERE qr_code = $1', [codes[0]]);
    expect(rows).toEqual([{ status: 'USED' }]);

    await page.getByRole('button', { name: 'Stop the camera' }).click();
    await page.getByLabel(/^Ticket code/).fill(codes[1]!);
    await page.getByRole('button', { name: 'Check ticket' }).click();
    await textBecomes(page, verdict, /ADMITTED/);
    await page.getByLabel(/^Ticket code/).fill(codes[0]!);
    await page.getByRole('button', { name: 'Check ticket' }).click();
    await textBecomes(page, verdict, /ALREADY USED/);
    await screenshot(page, 'scanner-camera');
    expect(errors).toEqual([]);
    await context.close();
  });
});
