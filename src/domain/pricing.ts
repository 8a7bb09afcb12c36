/**
 * The pricing workflow's shapes, shared by the API, the activities and the workflow. Pure types only:
 * this module is bundled into workflow code. The rule itself: demand-pricing-rule.ts.
 */
import type { DemandFigures, PriceDirection, PricingTerms, SectionDemand } from './demand-pricing-rule';

export interface PricingInput {
  eventId: string;
  /** The run sleeps until then before it first looks (the event's first period end, or where the last run stopped). */
  notBeforeMs: number;
  /** Continue as new once the history has this many events (the server also suggests it). */
  maxHistoryEvents?: number;
  carried?: PricingCarried;
}

/** What one run hands the next when it continues as new. */
export interface PricingCarried {
  runs: number;
  periods: number;
  changes: number;
}

/** One look at the event at the end of a period (measureDemand). */
export interface PricingMeasure {
  eventStatus: 'SCHEDULED' | 'CANCELLED' | 'MISSING';
  /** False when the event prices FIXED (nothing to do). */
  demand: boolean;
  terms: PricingTerms;
  opensAtMs: number;
  startsAtMs: number;
  /** When the event's prices are due to move next (event_pricing.next_change_at), or null. */
  nextChangeAtMs: number | null;
  sections: SectionDemand[];
  /** Fans in the event's waiting room (queued and pre-queued). */
  queueWaiting: number;
}

/** One section's change of one period, as applyPrices writes it. */
export interface PriceChangeCommand {
  sectionId: string;
  oldPriceCents: number;
  newPriceCents: number;
  stepPercent: number;
  figures: DemandFigures;
}

export interface ApplyPricesCommand {
  eventId: string;
  /** The period end this application belongs to: applied once, however often it is retried. */
  periodAtMs: number;
  /** When prices move next (null: the event starts first). */
  nextChangeAtMs: number | null;
  changes: PriceChangeCommand[];
}

export type ApplyPricesOutcome = { applied: true; changed: number } | { applied: false; reason: 'ALREADY_APPLIED' | 'NOT_DEMAND' | 'CANCELLED' };

export type PricingPhase = 'WAITING_FOR_PERIOD' | 'ENDED';

/** The pricing loop as operators see it (`temporal workflow query --type pricing`). */
export interface PricingView {
  eventId: string;
  phase: PricingPhase;
  nextChangeAtMs: number | null;
  runs: number;
  periods: number;
  changes: number;
  /** The last period's decisions, section by section. */
  last: Array<{ sectionId: string; oldPriceCents: number; newPriceCents: number; direction: PriceDirection }>;
}

export type PricingOutcome = { phase: 'ENDED'; reason: 'STARTED' | 'CANCELLED' | 'MISSING' | 'NOT_DEMAND'; periods: number; changes: number };
