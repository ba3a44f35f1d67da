/** Pages of credentials: page sizes, provider filters and cursors a client sends, checked; the limit of a context. */
import type { Owner } from '../../../core/caller.js';
import { LimitReached, ValidationError } from '../../../core/errors.js';
import { ID_PATTERN } from '../../../core/ids.js';
import { cursorOf, cursorParts, pageSize } from '../../../core/paging.js';
import { parseTimestamp, type Timestamp } from '../../../core/time.js';
import { providers } from '../../providers/index.js';
import type { CredentialRecord } from '../model.js';

export { MAX_PAGE_SIZE } from '../../../core/paging.js';

/** A page size a client chose: an integer from 0 to MAX_PAGE_SIZE (core/paging.ts). */
export const checkPageSize = (first: number): void => void pageSize(first);

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

export const encodeCursor = (record: CredentialRecord): string => cursorOf(record.dateCreated, record.id);

/** The position in an expiry-ordered page: `e|<expiresAt>|<id>`. */
export function decodeExpiryCursor(cursor: string): { expiresAt: Date; id: string } {
  const [tag, date, id] = cursorParts(cursor, 3) ?? [];
  const at = parseTimestamp(date ?? '');
  if (tag !== 'e' || !id || !ID_PATTERN.test(id) || at === undefined) throw ValidationError.of('after', 'is not a valid cursor of this list');
  return { expiresAt: new Date(at), id };
}

export function decodeCursor(cursor: string): Cursor {
  const [date, id] = cursorParts(cursor, 2) ?? [];
  const dateCreated = parseTimestamp(date ?? '');
  if (!id || !ID_PATTERN.test(id) || dateCreated === undefined) throw ValidationError.of('after', 'is not a valid cursor');
  return { dateCreated, id };
}

/** The cursor of an expiry-ordered page: `e|<expiresAt>|<id>`. */
export const encodeExpiryCursor = (record: CredentialRecord): string => cursorOf('e', record.expiresAt ?? '', record.id);
