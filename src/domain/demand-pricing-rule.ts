/**
 * THE RULE of demand pricing (docs/pricing.md has it in words, with worked examples). Pure and
 * deterministic: the pricing workflow runs it on the figures its activity measured, so the decision
 * and everything it was made from are in the workflow's history and in `price_changes`.
 *
 * Each period, for each section:
 *   demand   D = min(1, (sold + held + queueShare) / capacity), where queueShare is the section's part
 *              of the fans in the event's waiting room: each waiting fan counts as one place, spread
 *              over the sections in proportion to the places each has free;
 *   pace     P = the share of the sale window (sale opens → event starts) gone by now: what a section
 *              selling at an even pace to sell out as the event starts has taken by now;
 *   gap      G = D − P, in percentage points (whole basis points, so the arithmetic is exact).
 * Then: |G| < 5 points is on pace (no change); otherwise the price moves by s = min(max_step_percent,
 * ⌊|G|⌋) percent of the current price (rounded down to a cent), up when G > 0 and down when G < 0, and
 * is kept within [min, max]. D > P says exactly that, at the rate the section has sold and been held
 * so far, it would sell out before the event starts: it grows faster than the time left allows.
 */

/** Within this many basis points of the pace a section is on pace: its price stays. */
export const ON_PACE_BAND_BP = 500;
const BP = 10_000;

export interface PricingTerms {
  periodSeconds: number;
  maxStepPercent: number;
}

/** One section as measured at the end of a period. */
export interface SectionDemand {
  sectionId: string;
  priceCents: number;
  minPriceCents: number;
  maxPriceCents: number;
  /** Seats, or GA capacity. */
  capacity: number;
  sold: number;
  /** In live holds (a hold past its held_until is not counted). */
  held: number;
}

export interface SaleTimes {
  nowMs: number;
  /** When the sale opened (the first presale window, or on_sale_at). */
  opensAtMs: number;
  startsAtMs: number;
}

/** What a decision was computed from, as `price_changes` records it. */
export interface DemandFigures {
  capacity: number;
  sold: number;
  held: number;
  queueWaiting: number;
  /** This section's part of the waiting room, in places (two decimals). */
  queueShare: number;
  /** D and P as fractions with four decimals (whole basis points). */
  demandShare: number;
  paceShare: number;
  minPriceCents: number;
  maxPriceCents: number;
  maxStepPercent: number;
}

export type PriceDirection = 'UP' | 'DOWN' | 'ON_PACE';

export interface PriceDecision {
  sectionId: string;
  oldPriceCents: number;
  newPriceCents: number;
  direction: PriceDirection;
  /** The step the gap asked for, in percent (0 on pace); the price moved by at most this much. */
  stepPercent: number;
  figures: DemandFigures;
}

/** The share of the sale window gone at `nowMs`, in basis points (0 before the opening, all of it from the start on). */
export function paceBp({ nowMs, opensAtMs, startsAtMs }: SaleTimes): number {
  if (startsAtMs <= opensAtMs || nowMs >= startsAtMs) return BP;
  if (nowMs <= opensAtMs) return 0;
  return Math.round(((nowMs - opensAtMs) / (startsAtMs - opensAtMs)) * BP);
}

/** Every section's new price for this period. `queueWaiting` is the depth of the event's waiting room. */
export function decidePrices(sections: readonly SectionDemand[], queueWaiting: number, times: SaleTimes, terms: PricingTerms): PriceDecision[] {
  const free = (s: SectionDemand): number => Math.max(s.capacity - s.sold - s.held, 0);
  const freeTotal = sections.reduce((sum, s) => sum + free(s), 0);
  const waiting = Math.max(Math.floor(queueWaiting), 0);
  const pace = paceBp(times);
  return sections.map((section) => {
    const queueShare = freeTotal > 0 ? Math.round(((waiting * free(section)) / freeTotal) * 100) / 100 : 0;
    const demand = section.capacity > 0 ? Math.min(BP, Math.round(((section.sold + section.held + queueShare) / section.capacity) * BP)) : 0;
    const figures: DemandFigures = {
      capacity: section.capacity,
      sold: section.sold,
      held: section.held,
      queueWaiting: waiting,
      queueShare,
      demandShare: demand / BP,
      paceShare: pace / BP,
      minPriceCents: section.minPriceCents,
      maxPriceCents: section.maxPriceCents,
      maxStepPercent: terms.maxStepPercent,
    };
    return { sectionId: section.sectionId, oldPriceCents: section.priceCents, ...movePrice(section, demand - pace, terms.maxStepPercent), figures };
  });
}

/** The price after a gap of `gapBp` basis points: a step of at most maxStepPercent, within the bounds. */
export function movePrice(
  bounds: Pick<SectionDemand, 'priceCents' | 'minPriceCents' | 'maxPriceCents'>,
  gapBp: number,
  maxStepPercent: number,
): { newPriceCents: number; direction: PriceDirection; stepPercent: number } {
  const { priceCents, minPriceCents, maxPriceCents } = bounds;
  if (Math.abs(gapBp) < ON_PACE_BAND_BP) return { newPriceCents: priceCents, direction: 'ON_PACE', stepPercent: 0 };
  const stepPercent = Math.min(maxStepPercent, Math.floor(Math.abs(gapBp) / 100));
  const delta = Math.floor((priceCents * stepPercent) / 100);
  const direction: PriceDirection = gapBp > 0 ? 'UP' : 'DOWN';
  const moved = direction === 'UP' ? priceCents + delta : priceCents - delta;
  return { newPriceCents: Math.min(Math.max(moved, minPriceCents), maxPriceCents), direction, stepPercent };
}

/**
 * The end of the first period after `nowMs`, periods counted from `periodAtMs` (a missed period is
 * skipped, not caught up: prices move at most once per period).
 */
export function nextPeriodEnd(periodAtMs: number, periodSeconds: number, nowMs: number): number {
  const periodMs = periodSeconds * 1000;
  if (nowMs < periodAtMs) return periodAtMs;
  return periodAtMs + (Math.floor((nowMs - periodAtMs) / periodMs) + 1) * periodMs;
}

/** When prices next move: the next period end, unless the event starts first (then never again). */
export function nextChangeAt(periodEndMs: number, startsAtMs: number): number | null {
  return periodEndMs < startsAtMs ? periodEndMs : null;
}

/** The bounds a price gets when the organiser names none: from the price itself to twice it. */
export function defaultBounds(priceCents: number, min?: number | null, max?: number | null): { minPriceCents: number; maxPriceCents: number } {
  return { minPriceCents: min ?? priceCents, maxPriceCents: max ?? priceCents * 2 };
}
