/** Money, dates and durations through Intl, in the fan's own locale. */
import { serverNow } from './server-clock';

// The contract counts money in cents without naming a currency; the demo venues are in Portugal.
const CURRENCY = 'EUR';

const money = new Intl.NumberFormat(undefined, { style: 'currency', currency: CURRENCY });
const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const timeOfDay = new Intl.DateTimeFormat(undefined, { timeStyle: 'medium' });
const twoDigits = new Intl.NumberFormat(undefined, { minimumIntegerDigits: 2 });

export const formatMoney = (cents: number): string => money.format(cents / 100);
export const formatDateTime = (iso: string): string => dateTime.format(new Date(iso));
export const formatTimeOfDay = (iso: string): string => timeOfDay.format(new Date(iso));

/** A wait the server estimated, in whole minutes or seconds ("about 3 minutes"). */
export function formatWait(seconds: number): string {
  const unit = seconds >= 90 ? 'minute' : 'second';
  const amount = unit === 'minute' ? Math.round(seconds / 60) : Math.max(0, Math.round(seconds));
  return new Intl.NumberFormat(undefined, { style: 'unit', unit, unitDisplay: 'long' }).format(amount);
}

/** Milliseconds from now until an instant the API gave (never negative), by the server's clock (server-clock.ts). */
export const msUntil = (iso: string): number => Math.max(0, new Date(iso).getTime() - serverNow());

/** A countdown as m:ss. */
export function formatCountdown(ms: number): string {
  const total = Math.ceil(ms / 1000);
  return `${Math.floor(total / 60)}:${twoDigits.format(total % 60)}`;
}
