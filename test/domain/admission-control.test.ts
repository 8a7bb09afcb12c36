import { DEFAULT_ADMISSION_CONTROL, nextAdmissionRate, p95 } from '../../src/domain/admission-control';

const control = { ...DEFAULT_ADMISSION_CONTROL, maxPerSecond: 50 };
const good = { count: 20, p95Ms: 60 };
const bad = { count: 20, p95Ms: 180 };

describe('the waiting room’s admission rate (additive increase, multiplicative decrease)', () => {
  test('while admitted fans’ holds answer within target and the rate is what holds them back, it grows by a fixed step per second', () => {
    expect(nextAdmissionRate(4, good, true, 1000, control)).toEqual({ rate: 4.5, verdict: 'INCREASE' });
    expect(nextAdmissionRate(4, good, true, 2000, control)).toEqual({ rate: 5, verdict: 'INCREASE' });
  });

  test('when their p95 goes over target it is cut at once by a factor, however high it was', () => {
    expect(nextAdmissionRate(10, bad, true, 1000, control)).toEqual({ rate: 7, verdict: 'DECREASE' });
    expect(nextAdmissionRate(40, bad, false, 1000, control).rate).toBeCloseTo(28);
  });

  test('a rate that was not the limit (nobody waiting, or the ceiling full) does not grow on good news', () => {
    expect(nextAdmissionRate(4, good, false, 1000, control)).toEqual({ rate: 4, verdict: 'HOLD_STEADY' });
  });

  test('too few holds to judge leaves it as it is, good or bad', () => {
    expect(nextAdmissionRate(4, { count: 2, p95Ms: 900 }, true, 1000, control)).toEqual({ rate: 4, verdict: 'HOLD_STEADY' });
    expect(nextAdmissionRate(4, { count: 0, p95Ms: null }, true, 1000, control)).toEqual({ rate: 4, verdict: 'HOLD_STEADY' });
  });

  test('it stays within the operator’s maximum and the minimum, whatever the news', () => {
    expect(nextAdmissionRate(49.9, good, true, 1000, control).rate).toBe(50);
    expect(nextAdmissionRate(0.6, bad, true, 1000, control).rate).toBe(0.5);
    expect(nextAdmissionRate(80, good, true, 1000, control).rate).toBe(50);
  });

  test('under a steady overload it settles into the saw-tooth around the capacity instead of drifting away', () => {
    // A system that answers within target up to 12 admissions/s and misses beyond.
    let rate = 2;
    const seen: number[] = [];
    for (let tick = 0; tick < 200; tick++) {
      rate = nextAdmissionRate(rate, rate > 12 ? bad : good, true, 1000, control).rate;
      seen.push(rate);
    }
    const late = seen.slice(100);
    expect(Math.max(...late)).toBeLessThanOrEqual(12.5);
    expect(Math.min(...late)).toBeGreaterThan(12 * 0.7 - 0.01);
  });

  test('p95 is the nearest-rank 95th percentile', () => {
    expect(p95([])).toBeNull();
    expect(p95([5])).toBe(5);
    expect(p95(Array.from({ length: 100 }, (_, i) => i + 1))).toBe(95);
  });
});
