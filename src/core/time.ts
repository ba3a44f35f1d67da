/**
 * An instant as every door writes it: ISO-8601 text in UTC with milliseconds
 * (`2026-01-01T00:00:00.000Z`, what `Date.prototype.toISOString` gives). Stored
 * credentials carry their dates as this text, so that an answer writes them as
 * they are instead of parsing and formatting each (about 1 µs a date here); the
 * fixed width keeps text order equal to time order.
 */
import { z } from 'zod';

export type Timestamp = string & { readonly __timestamp: unique symbol };

export const timestampOf = (date: Date): Timestamp => date.toISOString() as Timestamp;

/** A Timestamp from client text (a cursor), or undefined when it is no valid instant. */
export function parseTimestamp(text: string): Timestamp | undefined {
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? undefined : timestampOf(date);
}

/** How an instant a client sends is written, for messages. */
export const INSTANT_FORMAT = 'an ISO 8601 date-time with a zone, such as 2027-01-31T00:00:00Z';
const INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(?:Z|([+-])(\d{2}):(\d{2}))$/;

/**
 * The one rule for an instant a client sends, in every door: ISO 8601 with a date, a time (seconds and a fraction
 * optional) and a zone (`Z` or `±hh:mm`), every part in range (no 31 February), from 1970 to 9999. Anything else —
 * `1`, `Jan 31 2027`, a date without a time or a zone — is no instant (undefined), never a guess.
 */
export function instantOf(text: unknown): Date | undefined {
  if (typeof text !== 'string' || text.length > 40) return undefined;
  const m = INSTANT.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6] ?? '0'].map(Number) as [number, number, number, number, number, number];
  const [offsetHours, offsetMinutes] = [Number(m[9] ?? 0), Number(m[10] ?? 0)];
  if (year < 1970 || year > 9999 || month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59) return undefined;
  if (day < 1 || day > new Date(Date.UTC(year, month, 0)).getUTCDate() || offsetHours > 23 || offsetMinutes > 59) return undefined;
  const fraction = m[7] ? Math.floor(Number(m[7]) * 1000) : 0;
  const offset = (m[8] === '-' ? -1 : 1) * (offsetHours * 60 + offsetMinutes) * 60_000;
  return new Date(Date.UTC(year, month - 1, day, hour, minute, second, fraction) - offset);
}

/** An instant as a field of a schema: the text checked by `instantOf`, given as a Date. */
export const instantText = (error = `must be ${INSTANT_FORMAT}`) =>
  z
    .string({ error })
    .transform((text, ctx) => {
      const instant = instantOf(text);
      if (instant) return instant;
      ctx.addIssue({ code: 'custom', message: error });
      return z.NEVER;
    })
    .meta({ format: 'date-time' });

const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const DURATION = /^([0-9]{1,9})(s|m|h|d)$/;

/** How a duration is written, for messages. */
export const DURATION_FORMAT = 'a whole number and s, m, h or d (45s, 30m, 12h, 90d)';

/** A duration as people write it (`45s`, `30m`, `12h`, `90d`) in milliseconds; undefined when it is not one. */
export function parseDuration(text: string): number | undefined {
  const match = DURATION.exec(text);
  return match ? Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS] : undefined;
}

/** A number of milliseconds in the largest unit that writes it whole (`90d`, `1m`, `1500ms`). */
export function formatDuration(ms: number): string {
  for (const [unit, size] of Object.entries(UNIT_MS).reverse()) if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  return `${ms}ms`;
}

export interface DurationBounds {
  /** The shortest accepted, in milliseconds. */
  min: number;
  /** The longest accepted, in milliseconds. */
  max: number;
}

/**
 * A duration within its bounds, in milliseconds, or the problem with it in
 * words that say what is accepted (the settings and the CLI both use this:
 * one way to write a duration, everywhere).
 */
export function durationWithin(text: string, { min, max }: DurationBounds): { ms: number } | { problem: string } {
  const ms = parseDuration(text);
  const range = `from ${formatDuration(min)} to ${formatDuration(max)}`;
  if (ms === undefined) return { problem: `must be a duration ${range}: ${DURATION_FORMAT}` };
  if (ms < min || ms > max) return { problem: `must be a duration ${range} (${formatDuration(ms)} is not)` };
  return { ms };
}
