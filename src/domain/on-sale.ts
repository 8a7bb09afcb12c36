/**
 * The on-sale (waiting room) shapes shared by the API, the activities and the on-sale workflow.
 * Pure types only: this module is bundled into workflow code.
 */

/** What the on-sale workflow admits by; an operator may change them while it runs (setOnSaleLimits). */
export interface OnSaleLimits {
  /** Admitted fans who have not finished (bought, or let their token lapse) at most at once. */
  maxActive: number;
  /** Admissions per second at most, whatever the room under maxActive. */
  maxAdmissionsPerSecond: number;
  /** How long an admitted fan's queue token is valid. */
  admissionWindowSeconds: number;
  /** How often the workflow looks again (a durable timer). */
  tickMs: number;
  /** Admitted fans' hold p95 the admission rate is steered to (src/domain/admission-control.ts). */
  targetHoldP95Ms?: number;
}

/** What one run hands the next when it continues as new. */
export interface OnSaleCarried {
  admittedTotal: number;
  finishedTotal: number;
  /** Token bucket of the admission rate, in admissions. */
  budget: number;
  /** Recent ticks that had fans waiting: when, and how many were admitted. */
  recent: Array<{ at: number; admitted: number }>;
  runs: number;
  ticks: number;
  /** Drawn once, at opening: the pre-queue's random order (placePreQueue). */
  preQueueSeed?: string | null;
  /** The pre-queue has been placed: admissions may start. */
  preQueuePlaced?: boolean;
  /** The admission rate the room steers to (admissions per second), at most limits.maxAdmissionsPerSecond. */
  admissionRate?: number;
  /** Whether that rate is what held admissions back at the last tick (it grows only then). */
  rateWasTheLimit?: boolean;
}

export interface OnSaleInput {
  eventId: string;
  limits: OnSaleLimits;
  /** Continue as new once the history has this many events (the server also suggests it). */
  maxHistoryEvents?: number;
  /** The admission rate the room starts at, before admitted fans' holds say more (default: a quarter of the maximum). */
  initialAdmissionsPerSecond?: number;
  carried?: OnSaleCarried;
  /** The room is closing (cancelled or started): a run continued as new while telling waiting fans so. */
  closing?: boolean;
}

export type OnSalePhase = 'BEFORE_SALE' | 'ADMITTING' | 'PAUSED_NO_INVENTORY' | 'SOLD_OUT' | 'CLOSED';

/** The on-sale as operators see it (`temporal workflow query --type onSale`). */
export interface OnSaleView {
  eventId: string;
  phase: OnSalePhase;
  waiting: number;
  /** Admitted and not yet finished. */
  active: number;
  admittedTotal: number;
  finishedTotal: number;
  /** Admissions per second over the last half minute in which fans were waiting; null before any. */
  admissionRatePerSecond: number | null;
  /** The rate the room steers to now (additive increase, multiplicative decrease on admitted fans' hold p95). */
  admissionRateLimitPerSecond: number;
  /** Admitted fans' hold p95 at the last look (ms), and how many holds it was taken from. */
  holdP95Ms: number | null;
  holdSamples: number;
  available: number;
  held: number;
  limits: OnSaleLimits;
  /** Runs of this on-sale so far (continue-as-new starts the next). */
  runs: number;
  ticks: number;
}

/** One look at the sale: the queue, the admitted fans (finished ones are let go) and the inventory. */
export interface OnSaleMeasure {
  waiting: number;
  active: number;
  /** Admitted fans found finished at this look (bought, or token lapsed) and no longer counted. */
  finished: number;
  available: number;
  held: number;
  eventStatus: 'SCHEDULED' | 'CANCELLED' | 'MISSING';
  /** When holds may start (the first presale window, or on_sale_at). */
  opensAtMs: number;
  /** When the event starts: the room closes then. */
  startsAtMs: number;
  /** How long admitted fans' holds took since the rate was last judged (kept until there are enough to judge by). */
  holdLatencies?: { count: number; p95Ms: number | null };
}

/** A room ends when its event is cancelled or starts; sold out is a pause (tickets may come back). */
export type OnSaleOutcome = { phase: 'CLOSED'; admittedTotal: number; finishedTotal: number };
