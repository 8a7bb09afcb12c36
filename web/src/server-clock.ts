/**
 * The server's clock as this page knows it, so a countdown to a server's deadline (a hold's
 * held_until) is right on a device whose own clock is off. Every API answer carries an HTTP `Date`
 * header: the server's time, cut to the second, read at some instant between our sending the request
 * and receiving the answer. Each answer so bounds the offset (server − device) from both sides, and
 * the bounds of all answers together narrow it. The offset used is the smallest one inside them: none
 * on a device whose clock is right (exact, not the bounds' middle), and within about a second of the
 * truth on one whose clock is off by minutes. Should the bounds ever contradict each other (a clock
 * was set while the page was open), they start again.
 */
let low = -Infinity;
let high = Infinity;

/** Node writes a Date it refreshes once a second: a few milliseconds stale at worst. */
const STALE_DATE_MS = 100;

export function observeServerDate(dateHeader: string | null, sentAtMs: number, receivedAtMs: number): void {
  const server = dateHeader ? Date.parse(dateHeader) : Number.NaN;
  if (!Number.isFinite(server)) return;
  const lo = server - receivedAtMs;
  const hi = server + 1000 + STALE_DATE_MS - sentAtMs;
  if (lo > high || hi < low) {
    low = lo;
    high = hi;
    return;
  }
  low = Math.max(low, lo);
  high = Math.min(high, hi);
}

/** Milliseconds to add to the device's clock to read the server's (0 before any answer, or when 0 fits every answer). */
export function serverOffsetMs(): number {
  if (!Number.isFinite(low) || !Number.isFinite(high)) return 0;
  return Math.round(Math.min(Math.max(0, low), high));
}

/** Now, by the server's clock. */
export const serverNow = (): number => Date.now() + serverOffsetMs();
