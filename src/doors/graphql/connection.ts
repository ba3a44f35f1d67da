/** Relay connections as this API pages them: forward only (first, after), from a domain page of items. */
import { ValidationError } from '../../core/errors.js';

interface ConnectionArgs {
  last?: number | null;
  before?: string | null;
  after?: string | null;
}

/** Refuses backward paging (`last`, `before`): every list here pages forward. */
export function forwardOnly(args: ConnectionArgs, what: string): void {
  if (args.last != null || args.before != null) {
    throw ValidationError.of(args.last != null ? 'last' : 'before', `${what} forward only: use first and after`);
  }
}

/** The connection of a page: each item's edge with its cursor, and the page's info. */
export function connectionOf<T, N>(items: readonly T[], hasNextPage: boolean, args: ConnectionArgs, cursorOf: (item: T) => string, nodeOf: (item: T) => N) {
  return {
    edges: items.map((item) => ({ cursor: cursorOf(item), node: nodeOf(item) })),
    pageInfo: {
      hasNextPage,
      hasPreviousPage: args.after != null,
      startCursor: items.length ? cursorOf(items[0]!) : null,
      endCursor: items.length ? cursorOf(items[items.length - 1]!) : null,
    },
  };
}
