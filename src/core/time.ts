/**
 * An instant as every door writes it: ISO-8601 text in UTC with milliseconds
 * (`2026-01-01T00:00:00.000Z`, what `Date.prototype.toISOString` gives). Stored
 * credentials carry their dates as this text, so that an answer writes them as
 * they are instead of parsing and formatting each (about 1 µs a date here); the
 * fixed width keeps text order equal to time order.
 */
export type Timestamp = string & { readonly __timestamp: unique symbol };

export const timestampOf = (date: Date): Timestamp => date.toISOString() as Timestamp;

/** A Timestamp from client text (a cursor), or undefined when it is no valid instant. */
export function parseTimestamp(text: string): Timestamp | undefined {
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? undefined : timestampOf(date);
}
