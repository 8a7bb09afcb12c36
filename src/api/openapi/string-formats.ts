import { z } from './registry';

/*
 * Every string rule here is one regular expression that the validator runs and /openapi.json publishes
 * as `pattern`, so the document and the server accept exactly the same strings. The patterns use only
 * syntax that reads the same in ECMAScript and in the other dialects tools use (no \d, \s or \w: in
 * Python they also match non-ASCII digits and spaces).
 */

/**
 * An email address: a dot-atom local part of at most 64 characters (RFC 5322/5321: the characters
 * the HTML standard also allows, with dots only between them), "@", then dot-separated host labels of
 * letters, digits and inner hyphens. Quoted local parts and address literals ("a b"@x, a@[127.0.0.1]),
 * which `format: email` alone would also allow, are left out by the published pattern.
 */
const ATEXT = "[a-zA-Z0-9!#$%&'*+/=?^_`{|}~-]";
const LABEL = '[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?';
export const EMAIL_PATTERN = new RegExp(`^(?=[^@]{1,64}@)${ATEXT}+(?:\\.${ATEXT}+)*@${LABEL}(?:\\.${LABEL})*$`);

/** A calendar date YYYY-MM-DD that exists (29 February only in leap years, Gregorian rules). */
const DATE =
  '(?:(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:0[048]|[2468][048]|[13579][26])00)-02-29' +
  '|[0-9]{4}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)|02-(?:0[1-9]|1[0-9]|2[0-8])))';
/** RFC 3339 time with a zone; a leap second (:60) is left out because JavaScript dates cannot hold it. */
const TIME = '[Tt](?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\\.[0-9]+)?(?:[Zz]|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])';

export const DATE_TIME_PATTERN = new RegExp(`^${DATE}${TIME}$`);
export const DATE_OR_DATE_TIME_PATTERN = new RegExp(`^${DATE}(?:${TIME})?$`);

/**
 * Characters String.prototype.trim removes (ECMAScript white space and line terminators), spelled
 * out so that "blank" means the same to every reader of the pattern as to the trim that follows.
 */
const BLANK = '\\t\\n\\v\\f\\r \\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff';
/** PostgreSQL text cannot hold NUL. The leading run is of blanks only, so matching stays linear. */
export const VISIBLE_TEXT_PATTERN = new RegExp(`^[${BLANK}]*[^${BLANK}\\u0000][^\\u0000]*$`);
// eslint-disable-next-line no-control-regex -- NUL is exactly the character refused
export const NO_NUL_PATTERN = /^[^\u0000]*$/;

/** Parses what DATE_TIME_PATTERN or DATE_OR_DATE_TIME_PATTERN accepted; a bare date is midnight UTC. */
function toDate(value: string): Date {
  if (value.length === 10) return new Date(`${value}T00:00:00Z`);
  // Into the exact form ECMAScript defines (upper-case T and Z, milliseconds), not an engine's guess.
  return new Date(value.toUpperCase().replace(/\.([0-9]+)/, (_, digits: string) => `.${digits.padEnd(3, '0').slice(0, 3)}`));
}

export const emailAddress = z
  .string()
  .trim()
  .max(254)
  .regex(EMAIL_PATTERN, 'must be an email address such as name@example.com')
  .openapi({ format: 'email', description: 'an email address (the pattern says which)' });

export const dateTime = z
  .string()
  .trim()
  .regex(DATE_TIME_PATTERN, 'must be an RFC 3339 date-time with a zone, e.g. 2026-01-10T19:30:00Z')
  .transform(toDate)
  .openapi({ format: 'date-time', example: '2026-01-10T19:30:00Z' });

export const dateOrDateTime = z
  .string()
  .trim()
  .regex(DATE_OR_DATE_TIME_PATTERN, 'must be a date (2026-01-10) or an RFC 3339 date-time with a zone')
  .transform(toDate)
  .openapi({ example: '2026-01-10T00:00:00Z' });

/**
 * A string of `min` to `max` characters as JSON Schema counts them, in code points: `.length` (and so
 * zod's min/max) counts UTF-16 units, where an emoji is two, and would refuse names the document allows.
 */
export function boundedText({ min = 0, max, pattern, message }: { min?: number; max: number; pattern?: RegExp; message?: string }) {
  const base = pattern ? z.string().regex(pattern, message) : z.string();
  return base
    .refine(
      (value) => {
        const characters = [...value].length;
        return characters >= min && characters <= max;
      },
      min > 0 ? `must be ${min} to ${max} characters long` : `must be at most ${max} characters long`,
    )
    .openapi({ ...(min > 0 ? { minLength: min } : {}), maxLength: max });
}

/** Shown to people: at least one visible character; blanks around it are dropped before it is kept. */
export const visibleText = (max: number) =>
  boundedText({ max, pattern: VISIBLE_TEXT_PATTERN, message: 'must contain a visible character and no NUL' }).transform((value) => value.trim());

/** Free text that may be blank (search words, filters), kept by PostgreSQL: no NUL. */
export const searchText = (max: number) =>
  boundedText({ max, pattern: NO_NUL_PATTERN, message: 'must not contain NUL' }).transform((value) => value.trim());
