import { retirementDecision } from '../../src/deployments/retirement-rule';

const NOW = new Date('2026-12-04T12:00:00Z');
const minutesAgo = (m: number) => new Date(NOW.getTime() - m * 60_000);
const GRACE = 5 * 60_000;

describe('when a build of the workflow code may retire', () => {
  test('the build new runs start on never retires', () => {
    expect(retirementDecision({ buildId: 'a', isCurrent: true, openRuns: 0, outOfServiceSince: minutesAgo(60) }, NOW, GRACE)).toEqual({ retire: false, reason: 'CURRENT' });
  });

  test('a build with a run still pinned to it stays, however long ago it was replaced', () => {
    expect(retirementDecision({ buildId: 'a', isCurrent: false, openRuns: 1, outOfServiceSince: minutesAgo(600) }, NOW, GRACE)).toEqual({ retire: false, reason: 'OPEN_RUNS' });
  });

  test('a build replaced moments ago stays until the grace has passed, even with no run counted (visibility may not have seen its last starts)', () => {
    expect(retirementDecision({ buildId: 'a', isCurrent: false, openRuns: 0, outOfServiceSince: minutesAgo(4) }, NOW, GRACE)).toEqual({ retire: false, reason: 'GRACE' });
  });

  test('a build replaced longer ago than the grace, with no run open, retires', () => {
    expect(retirementDecision({ buildId: 'a', isCurrent: false, openRuns: 0, outOfServiceSince: minutesAgo(5) }, NOW, GRACE)).toEqual({ retire: true });
  });
});
