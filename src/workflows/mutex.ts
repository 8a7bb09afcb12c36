import { condition } from '@temporalio/workflow';

/**
 * Serialises the reservation's handlers (confirm, extend, cancel, expiry): each runs activities, and
 * two interleaved ones could, say, expire a hold while its payment is being charged.
 */
export class WorkflowMutex {
  private locked = false;

  /** Whether a handler holds it now (a validator may judge a request differently while one runs). */
  get isLocked(): boolean {
    return this.locked;
  }

  async runExclusive<T>(fn: () => Promise<T>): Promise<T> {
    // Several waiters can be woken in the same activation; each re-checks before taking the lock.
    while (this.locked) await condition(() => !this.locked);
    this.locked = true;
    try {
      return await fn();
    } finally {
      this.locked = false;
    }
  }
}
