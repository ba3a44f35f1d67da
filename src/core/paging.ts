/**
 * Pages, written once: the page size a client may ask for, the position after
 * which the next page starts (a cursor), and a page cut from one row more than
 * asked (which says whether another page follows). Every list of every feature
 * pages this way.
 */
import { ValidationError } from './errors.js';

/** A page when the client says nothing. */
export const DEFAULT_PAGE_SIZE = 20;
/** The largest page a client may ask for. */
export const MAX_PAGE_SIZE = 100;

export interface Page<T> {
  items: T[];
  hasNextPage: boolean;
}

/** The page size asked for (`fallback` when none): an integer from 0 to `max`, else a ValidationError on `first`. */
export function pageSize(first: number | undefined, fallback: number = DEFAULT_PAGE_SIZE, max: number = MAX_PAGE_SIZE): number {
  const size = first ?? fallback;
  if (!Number.isInteger(size) || size < 0 || size > max) throw ValidationError.of('first', `must be an integer from 0 to ${max}`);
  return size;
}

/** A page of `first` from rows read with one more (`take: first + 1`). */
export const pageOf = <T>(rows: readonly T[], first: number): Page<T> => ({ items: rows.slice(0, first), hasNextPage: rows.length > first });

/** A position given as a number (an id, a version): a positive safe integer, else a ValidationError on `field`. */
export function positionOf(after: number | undefined, field = 'after', message = 'is not a valid cursor'): number | undefined {
  if (after !== undefined && (!Number.isSafeInteger(after) || after < 1)) throw ValidationError.of(field, message);
  return after;
}

/** An opaque cursor of its parts (base64url of `a|b|…`). */
export const cursorOf = (...parts: readonly (string | number)[]): string => Buffer.from(parts.join('|')).toString('base64url');

/** The parts of a cursor (undefined: not `count` parts). */
export function cursorParts(cursor: string, count: number): string[] | undefined {
  const parts = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  return parts.length === count ? parts : undefined;
}

/** A numeric cursor's position (NaN when it holds none: the use case refuses it as no cursor). */
export const numberOfCursor = (cursor: string | null | undefined): number | undefined =>
  cursor == null ? undefined : Number(Buffer.from(cursor, 'base64url').toString('utf8'));
