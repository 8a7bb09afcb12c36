import { refillAdmissionBudget } from '../../src/domain/admission-budget';

/** Ticks `gapMs` apart for `seconds`, each admitting all the bucket allows (fans are always waiting). */
function admitOverTime(gapMs: number, seconds: number, catchUp: boolean): { admitted: number; largestTick: number } {
  let budget = 0;
  let admitted = 0;
  let largestTick = 0;
  for (let t = gapMs; t <= seconds * 1000; t += gapMs) {
    budget = refillAdmissionBudget({ budget, perSecond: 8, tickMs: 1000, elapsedMs: gapMs, catchUp });
    const now = Math.floor(budget);
    budget -= now;
    admitted += now;
    largestTick = Math.max(largestTick, now);
  }
  return { admitted, largestTick };
}

describe('the on-sale admission budget', () => {
  test('when every tick comes on time, 8 fans a second are admitted, with or without catching up', () => {
    expect(admitOverTime(1000, 60, false).admitted).toBe(480);
    expect(admitOverTime(1000, 60, true).admitted).toBe(480);
  });

  test('when the look at the sale makes every tick 1.5 s apart, catching up keeps 8 a second where the old bucket fell to 5.3', () => {
    expect(admitOverTime(1500, 60, false).admitted).toBe(320);
    const caughtUp = admitOverTime(1500, 60, true);
    expect(caughtUp.admitted).toBe(480);
    // No burst beyond what one interval earned.
    expect(caughtUp.largestTick).toBe(12);
  });

  test('a long pause (the sale paused, the worker away) is not paid back as one big burst', () => {
    expect(refillAdmissionBudget({ budget: 0, perSecond: 8, tickMs: 1000, elapsedMs: 600_000, catchUp: true })).toBe(24);
  });
});
