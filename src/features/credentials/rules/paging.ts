/** Pages of credentials: page sizes, provider filters and cursors a client sends, checked; the limit of a context. */
import type { Owner } from '../../../core/caller.js';
import { LimitReached, ValidationError } from '../../../core/errors.js';
import { ID_PATTERN } from '../../../core/ids.js';
import { parseTimestamp, type Timestamp } from '../../../core/time.js';
import { providers } from '../../providers/index.js';
import type { CredentialRecord } from '../model.js';

/** The largest page a client may ask for. */
export const MAX_PAGE_SIZE = 100;

/** A page size a client chose: an integer from 0 to MAX_PAGE_SIZE. */
export function checkPageSize(first: number): void {
  if (!Number.isInteger(first) || first < 0 || first > MAX_PAGE_SIZE) throw ValidationError.of('first', `must be an integer from 0 to ${MAX_PAGE_SIZE}`);
}

/** Provider filters a client chose: known providers only. */
export function checkProviders(ids: readonly string[] | undefined): void {
  for (const p of ids ?? []) {
    if (!providers.has(p)) throw ValidationError.of('provider', `unknown provider '${p}'`);
  }
}

/** The owner holds the most live credentials allowed (a create or an undelete beyond it). */
export const contextFull = (owner: Owner, limit: number) =>
  new LimitReached(`live credentials in ${owner.kind === 'user' ? 'a personal context' : 'a workspace'}`, limit, 'MAX_CREDENTIALS_PER_CONTEXT');

export type Cursor = { dateCreated: Timestamp; id: string };

export function encodeCursor(record: CredentialRecord): string {
  return Buffer.from(`${record.dateCreated}|${record.id}`).toString('base64url');
}

/** The cursor of an expiry-ordered page: `e|<expiresAt>|<id>`. */
export function decodeExpiryCursor(cursor: string): { expiresAt: Date; id: string } {
  const [tag, date, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const at = parseTimestamp(date ?? '');
  if (tag !== 'e' || !id || !ID_PATTERN.test(id) || at === undefined) throw ValidationError.of('after', 'is not a valid cursor of this list');
  return { expiresAt: new Date(at), id };
}

export function decodeCursor(cursor: string): Cursor {
  const [date, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const dateCreated = parseTimestamp(date ?? '');
  if (!id || !ID_PATTERN.test(id) || dateCreated === undefined) throw ValidationError.of('after', 'is not a valid cursor');
  return { dateCreated, id };
}

/** The cursor of an expiry-ordered page: `e|<expiresAt>|<id>`. */
export const encodeExpiryCursor = (record: CredentialRecord): string => Buffer.from(`e|${record.expiresAt}|${record.id}`).toString('base64url');
