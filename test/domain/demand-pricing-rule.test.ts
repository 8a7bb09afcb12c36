import fc from 'fast-check';
import {
  ON_PACE_BAND_BP,
  decidePrices,
  defaultBounds,
  movePrice,
  nextChangeAt,
  nextPeriodEnd,
  paceBp,
  type SaleTimes,
  type SectionDemand,
} from '../../src/domain/demand-pricing-rule';

const DAY = 86_400_000;
const OPENS = Date.parse('2026-12-01T10:00:00Z');
/** A ten-day sale: each day is ten points of pace. */
const sale = (day: number): SaleTimes => ({ opensAtMs: OPENS, startsAtMs: OPENS + 10 * DAY, nowMs: OPENS + day * DAY });
const terms = (maxStepPercent = 10) => ({ periodSeconds: 3600, maxStepPercent });

function section(overrides: Partial<SectionDemand> = {}): SectionDemand {
  return { sectionId: 'floor', priceCents: 5000, minPriceCents: 5000, maxPriceCents: 10_000, capacity: 200, sold: 0, held: 0, ...overrides };
}

const only = <T>(list: T[]): T => {
  expect(list).toHaveLength(1);
  return list[0]!;
};

describe('the pace: the share of the sale window gone', () => {
  test('is nothing before the sale opens, everything from the start on, and even in between', () => {
    expect(paceBp(sale(-1))).toBe(0);
    expect(paceBp(sale(0))).toBe(0);
    expect(paceBp(sale(2))).toBe(2000);
    expect(paceBp(sale(7.5))).toBe(7500);
    expect(paceBp(sale(10))).toBe(10_000);
    expect(paceBp(sale(12))).toBe(10_000);
  });

  test('an event that starts as its sale opens has no time left at all', () => {
    expect(paceBp({ opensAtMs: OPENS, startsAtMs: OPENS, nowMs: OPENS - DAY })).toBe(10_000);
  });
});

describe('THE RULE, one section at a time', () => {
  test('worked example A: on day 2 of 10 with 40% sold or held, the price goes up by the full 10% step', () => {
    const decision = only(decidePrices([section({ sold: 70, held: 10 })], 0, sale(2), terms(10)));
    expect(decision).toMatchObject({ oldPriceCents: 5000, newPriceCents: 5500, direction: 'UP', stepPercent: 10 });
    expect(decision.figures).toMatchObject({ demandShare: 0.4, paceShare: 0.2, queueWaiting: 0, queueShare: 0, capacity: 200, sold: 70, held: 10 });
  });

  test('worked example B: on day 8 with 35% taken the price falls, but not below its minimum', () => {
    const decision = only(decidePrices([section({ priceCents: 4000, minPriceCents: 3800, maxPriceCents: 8000, capacity: 100, sold: 30, held: 5 })], 0, sale(8), terms(10)));
    expect(decision).toMatchObject({ oldPriceCents: 4000, newPriceCents: 3800, direction: 'DOWN', stepPercent: 10 });
  });

  test('worked example C: within five points of the pace the price stays', () => {
    const decision = only(decidePrices([section({ sold: 100, held: 4 })], 0, sale(5), terms(10)));
    expect(decision).toMatchObject({ newPriceCents: 5000, direction: 'ON_PACE', stepPercent: 0 });
    expect(decision.figures).toMatchObject({ demandShare: 0.52, paceShare: 0.5 });
  });

  test('the step is the gap in whole points when that is less than the cap', () => {
    // 30% taken on day 2: 10 points ahead, a 10% step under a 15% cap.
    expect(only(decidePrices([section({ sold: 60 })], 0, sale(2), terms(15)))).toMatchObject({ newPriceCents: 5500, stepPercent: 10 });
    // 27.5% taken on day 2: 7.5 points ahead, a 7% step.
    expect(only(decidePrices([section({ sold: 55 })], 0, sale(2), terms(15)))).toMatchObject({ newPriceCents: 5350, stepPercent: 7 });
  });

  test('exactly five points off the pace is no longer on pace; just under five still is', () => {
    expect(movePrice({ priceCents: 1000, minPriceCents: 0, maxPriceCents: 5000 }, ON_PACE_BAND_BP, 20)).toEqual({ newPriceCents: 1050, direction: 'UP', stepPercent: 5 });
    expect(movePrice({ priceCents: 1000, minPriceCents: 0, maxPriceCents: 5000 }, ON_PACE_BAND_BP - 1, 20)).toEqual({ newPriceCents: 1000, direction: 'ON_PACE', stepPercent: 0 });
    expect(movePrice({ priceCents: 1000, minPriceCents: 0, maxPriceCents: 5000 }, -ON_PACE_BAND_BP, 20)).toEqual({ newPriceCents: 950, direction: 'DOWN', stepPercent: 5 });
  });

  test('a sold-out section far ahead of the pace rises by the cap each period until it reaches its maximum, and stays there', () => {
    let price = 5000;
    const seen: number[] = [];
    for (let period = 0; period < 10; period++) {
      price = only(decidePrices([section({ priceCents: price, sold: 200 })], 0, sale(1), terms(20))).newPriceCents;
      seen.push(price);
    }
    expect(seen).toEqual([6000, 7200, 8640, 10_000, 10_000, 10_000, 10_000, 10_000, 10_000, 10_000]);
  });

  test('an unsold section on the last day falls by the cap each period down to its minimum, and stays there', () => {
    let price = 10_000;
    const seen: number[] = [];
    for (let period = 0; period < 6; period++) {
      price = only(decidePrices([section({ priceCents: price, minPriceCents: 6000 })], 0, sale(9.5), terms(15))).newPriceCents;
      seen.push(price);
    }
    expect(seen).toEqual([8500, 7225, 6142, 6000, 6000, 6000]);
  });

  test('a step is a whole number of cents, rounded towards the old price', () => {
    expect(movePrice({ priceCents: 999, minPriceCents: 0, maxPriceCents: 5000 }, 2000, 7)).toMatchObject({ newPriceCents: 1068 });
    expect(movePrice({ priceCents: 999, minPriceCents: 0, maxPriceCents: 5000 }, -2000, 7)).toMatchObject({ newPriceCents: 930 });
    // Too small a price to move by a whole cent: it stays.
    expect(movePrice({ priceCents: 10, minPriceCents: 0, maxPriceCents: 100 }, 2000, 5)).toMatchObject({ newPriceCents: 10, direction: 'UP' });
  });

  test('holds count as much as sales: a section full of holds is ahead of the pace', () => {
    expect(only(decidePrices([section({ held: 200 })], 0, sale(1), terms(10)))).toMatchObject({ direction: 'UP', newPriceCents: 5500 });
  });
});

describe('the waiting room counts as demand', () => {
  test('worked example D: 150 fans waiting are spread over the sections by their free places and push both up', () => {
    const decisions = decidePrices(
      [
        section({ sectionId: 'floor', priceCents: 8000, minPriceCents: 8000, maxPriceCents: 16_000, capacity: 100, sold: 20 }),
        section({ sectionId: 'lawn', priceCents: 3000, minPriceCents: 3000, maxPriceCents: 6000, capacity: 300, sold: 60, held: 20 }),
      ],
      150,
      sale(1),
      terms(15),
    );
    expect(decisions.map((d) => [d.sectionId, d.figures.queueShare, d.figures.demandShare, d.newPriceCents])).toEqual([
      ['floor', 40, 0.6, 9200],
      ['lawn', 110, 0.6333, 3450],
    ]);
  });

  test('the same sections without the queue are on pace', () => {
    const decisions = decidePrices(
      [section({ sectionId: 'floor', capacity: 100, sold: 10 }), section({ sectionId: 'lawn', capacity: 300, sold: 30 })],
      0,
      sale(1),
      terms(15),
    );
    expect(decisions.map((d) => d.direction)).toEqual(['ON_PACE', 'ON_PACE']);
  });

  test('a queue longer than what is left counts every section as full', () => {
    const decisions = decidePrices([section({ sectionId: 'a', capacity: 10, sold: 5 }), section({ sectionId: 'b', capacity: 10 })], 1000, sale(5), terms(10));
    expect(decisions.map((d) => d.figures.demandShare)).toEqual([1, 1]);
    expect(decisions.map((d) => d.direction)).toEqual(['UP', 'UP']);
  });

  test('a sold-out event gives the queue to no section (nothing is free)', () => {
    const decision = only(decidePrices([section({ capacity: 10, sold: 10 })], 50, sale(5), terms(10)));
    expect(decision.figures).toMatchObject({ queueShare: 0, demandShare: 1 });
  });
});

describe('the bounds and the step cap hold whatever the figures', () => {
  test('a new price is always within [min, max] and never more than max_step_percent (to the cent below) from the old one', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.integer({ min: 1, max: 500 }),
        fc.nat({ max: 500 }),
        fc.nat({ max: 500 }),
        fc.nat({ max: 5000 }),
        fc.double({ min: -1, max: 11, noNaN: true }),
        fc.integer({ min: 1, max: 20 }),
        (a, b, c, capacity, sold, held, waiting, day, maxStep) => {
          const [min, price, max] = [a, b, c].sort((x, y) => x - y) as [number, number, number];
          const taken = Math.min(sold, capacity);
          const s = section({ priceCents: price, minPriceCents: min, maxPriceCents: max, capacity, sold: taken, held: Math.min(held, capacity - taken) });
          const d = only(decidePrices([s], waiting, sale(day), terms(maxStep)));
          expect(d.newPriceCents).toBeGreaterThanOrEqual(min);
          expect(d.newPriceCents).toBeLessThanOrEqual(max);
          expect(Math.abs(d.newPriceCents - price)).toBeLessThanOrEqual(Math.floor((price * maxStep) / 100));
          expect(d.stepPercent).toBeLessThanOrEqual(maxStep);
          if (d.direction === 'UP') expect(d.newPriceCents).toBeGreaterThanOrEqual(price);
          if (d.direction === 'DOWN') expect(d.newPriceCents).toBeLessThanOrEqual(price);
          if (d.direction === 'ON_PACE') expect(d.newPriceCents).toBe(price);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('the schedule', () => {
  const HOUR = 3_600_000;
  test('the next period ends one period after the one that just ended', () => {
    expect(nextPeriodEnd(OPENS, 3600, OPENS)).toBe(OPENS + HOUR);
    expect(nextPeriodEnd(OPENS, 3600, OPENS + 5000)).toBe(OPENS + HOUR);
  });

  test('periods missed while nothing ran are skipped, not caught up', () => {
    expect(nextPeriodEnd(OPENS, 3600, OPENS + 3.5 * HOUR)).toBe(OPENS + 4 * HOUR);
    expect(nextPeriodEnd(OPENS, 3600, OPENS + 4 * HOUR)).toBe(OPENS + 5 * HOUR);
  });

  test('no change is due once the next period would end when the event has started', () => {
    expect(nextChangeAt(OPENS + HOUR, OPENS + 2 * HOUR)).toBe(OPENS + HOUR);
    expect(nextChangeAt(OPENS + 2 * HOUR, OPENS + 2 * HOUR)).toBeNull();
  });

  test('bounds the organiser leaves out run from the price to twice it', () => {
    expect(defaultBounds(5000)).toEqual({ minPriceCents: 5000, maxPriceCents: 10_000 });
    expect(defaultBounds(5000, 4000, null)).toEqual({ minPriceCents: 4000, maxPriceCents: 10_000 });
    expect(defaultBounds(5000, undefined, 6000)).toEqual({ minPriceCents: 5000, maxPriceCents: 6000 });
  });
});
