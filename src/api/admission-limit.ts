import { AppError } from '../domain/errors';

export interface AdmissionOptions {
  maxInFlight: number;
  /** Requests that may wait for a slot at once; beyond it, refused at once. */
  maxQueue: number;
  /** How long one waits for a slot before it is refused. */
  maxWaitMs: number;
}

interface Waiter {
  admit(): void;
  timer: NodeJS.Timeout;
}

/**
 * Caps the holds one API process has in flight. A short burst past the cap waits, first come first
 * served, for a slot (at most maxWaitMs, at most maxQueue waiting); beyond that a buyer is told at
 * once to retry (503 with Retry-After) instead of queueing behind work the workflow engine cannot
 * absorb, where every request would wait out its deadline.
 */
export function createAdmissionLimit(options: AdmissionOptions) {
  let inFlight = 0;
  const waiting: Waiter[] = [];
  const refusal = (why: string) => new AppError('UNAVAILABLE', `too many reservations in progress (${why}); retry in a moment`, { retry_after_seconds: 1 });

  function slot(): Promise<void> {
    if (inFlight < options.maxInFlight && waiting.length === 0) {
      inFlight += 1;
      return Promise.resolve();
    }
    if (waiting.length >= options.maxQueue || options.maxWaitMs === 0) return Promise.reject(refusal('the queue is full'));
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        // The finishing request hands its slot over: inFlight does not change.
        admit: () => {
          clearTimeout(waiter.timer);
          resolve();
        },
        timer: setTimeout(() => {
          waiting.splice(waiting.indexOf(waiter), 1);
          reject(refusal(`no slot within ${options.maxWaitMs} ms`));
        }, options.maxWaitMs),
      };
      waiting.push(waiter);
    });
  }

  function release(): void {
    const next = waiting.shift();
    if (next) next.admit();
    else inFlight -= 1;
  }

  return {
    get inFlight(): number {
      return inFlight;
    },
    get waiting(): number {
      return waiting.length;
    },
    async run<T>(fn: () => Promise<T>): Promise<T> {
      await slot();
      try {
        return await fn();
      } finally {
        release();
      }
    },
  };
}
