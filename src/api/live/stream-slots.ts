import { AppError } from '../../domain/errors';

/** A refused stream tries again after this: a place frees up when another client goes, not at a known time. */
const RETRY_AFTER_SECONDS = 5;

/**
 * Live streams held open at once in this process, in all and per client address. A stream is a
 * socket and a timer for as long as its client likes, and opening one is free of any credential: one
 * address may hold its share, and the process keeps room for every other. Beyond either cap the
 * stream is refused with 429 RATE_LIMITED and Retry-After, before anything is written.
 */
export class StreamSlots {
  private readonly byClient = new Map<string, number>();
  private held = 0;

  constructor(private readonly caps: { total: number; perClient: number }) {}

  /** Takes a place for `client`; the function returned gives it back (once, however often it is called). */
  take(client: string): () => void {
    const mine = this.byClient.get(client) ?? 0;
    if (mine >= this.caps.perClient) throw refused(`at most ${this.caps.perClient} live streams at once from one address`);
    if (this.held >= this.caps.total) throw refused('this server has as many live streams open as it serves; try again shortly');
    this.byClient.set(client, mine + 1);
    this.held += 1;
    let returned = false;
    return () => {
      if (returned) return;
      returned = true;
      this.held -= 1;
      const left = (this.byClient.get(client) ?? 1) - 1;
      if (left > 0) this.byClient.set(client, left);
      else this.byClient.delete(client);
    };
  }
}

function refused(message: string): AppError {
  return new AppError('RATE_LIMITED', message, { retry_after_seconds: RETRY_AFTER_SECONDS });
}
