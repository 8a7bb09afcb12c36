/**
 * The request mix, shared by the workflow run and the bare PostgreSQL baseline so both offer the same
 * work: half the attempts ask for 1-4 random seats the buyer believes are free, half for 1-4 GA tickets.
 * The belief is what a buyer staring at a seat map would have: seats drop out when someone holds them
 * or the API says they are gone, and an abandoned hold's seats come back when its held_until passes.
 */

export type HoldRequest = { kind: 'seats'; seatIds: string[] } | { kind: 'ga'; quantity: number };

const MAX_PER_REQUEST = 4;

/** An array plus index map: O(1) random pick and removal over a few thousand seat ids. */
class RandomSet {
  private readonly items: string[] = [];
  private readonly index = new Map<string, number>();

  constructor(initial: Iterable<string>) {
    for (const item of initial) this.add(item);
  }

  get size(): number {
    return this.items.length;
  }

  add(item: string): void {
    if (this.index.has(item)) return;
    this.index.set(item, this.items.length);
    this.items.push(item);
  }

  delete(item: string): void {
    const at = this.index.get(item);
    if (at === undefined) return;
    const last = this.items.pop() as string;
    this.index.delete(item);
    if (last !== item) {
      this.items[at] = last;
      this.index.set(last, at);
    }
  }

  /** Up to n distinct random members; rejection sampling is enough since n <= 4. */
  sample(n: number, random: () => number): string[] {
    const picked = new Set<number>();
    const want = Math.min(n, this.items.length);
    while (picked.size < want) picked.add(Math.floor(random() * this.items.length));
    return [...picked].map((i) => this.items[i] as string);
  }
}

export class InventoryBelief {
  private readonly free: RandomSet;
  /** Seats of abandoned holds, with the time (ms since epoch) they are free again. */
  private returning: Array<{ at: number; seatIds: string[] }> = [];

  constructor(
    seatIds: readonly string[],
    private readonly random: () => number = Math.random,
  ) {
    this.free = new RandomSet(seatIds);
  }

  get believedFreeSeats(): number {
    return this.free.size;
  }

  /** `only` narrows the mix to one kind (the bare statement measured alone); seats may then run out. */
  nextRequest(now = Date.now(), only?: HoldRequest['kind']): HoldRequest {
    this.returnLapsed(now);
    const count = 1 + Math.floor(this.random() * MAX_PER_REQUEST);
    if (only === 'seats') return { kind: 'seats', seatIds: this.free.sample(count, this.random) };
    // Once the seat map looks empty, buyers turn to GA (as they would): the seat half of the mix is not lost.
    if (only !== 'ga' && this.free.size > 0 && this.random() < 0.5) return { kind: 'seats', seatIds: this.free.sample(count, this.random) };
    return { kind: 'ga', quantity: count };
  }

  /** Our own hold: the seats are gone, until `freeAgainAt` when the hold is one that will be abandoned. */
  held(seatIds: readonly string[], freeAgainAt: number | null): void {
    for (const id of seatIds) this.free.delete(id);
    if (freeAgainAt !== null && seatIds.length > 0) this.returning.push({ at: freeAgainAt, seatIds: [...seatIds] });
  }

  /** The server said these are taken (by someone we cannot see): forget them. */
  unavailable(seatIds: readonly string[]): void {
    for (const id of seatIds) this.free.delete(id);
  }

  private returnLapsed(now: number): void {
    if (this.returning.length === 0) return;
    const still: typeof this.returning = [];
    for (const entry of this.returning) {
      if (entry.at <= now) entry.seatIds.forEach((id) => this.free.add(id));
      else still.push(entry);
    }
    this.returning = still;
  }
}
