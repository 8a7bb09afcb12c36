import { AppError } from '../../domain/errors';

/**
 * Caps the holds one API process has in flight. Past the cap a buyer is told at once to retry
 * (503 with Retry-After) instead of queueing behind work the workflow engine cannot absorb, where
 * every request would wait out its deadline: a flash sale degrades to quick refusals, not timeouts.
 */
export function createAdmissionLimit(maxInFlight: number) {
  let inFlight = 0;
  return {
    get inFlight(): number {
      return inFlight;
    },
    async run<T>(fn: () => Promise<T>): Promise<T> {
      if (inFlight >= maxInFlight) {
        throw new AppError('UNAVAILABLE', 'too many reservations in progress; retry in a moment', { retry_after_seconds: 1 });
      }
      inFlight += 1;
      try {
        return await fn();
      } finally {
        inFlight -= 1;
      }
    },
  };
}
