/**
 * What GraphQL may do with the database itself: Pothos' Prisma plugin loads
 * the relations a query selects (a user's tokens, later a workspace's
 * participants) through model delegates. It gets the client behind a guard that
 * lets read methods through and refuses every write, raw statement and
 * transaction, so the only writes remain the stores'.
 */
import type { Database } from './client.js';

/** The Prisma client, reads only (typed as the client: that is what the plugin expects). */
export type RelationReads = Database;

const READS = new Set(['findUnique', 'findUniqueOrThrow', 'findFirst', 'findFirstOrThrow', 'findMany', 'count', 'aggregate', 'groupBy']);

export function relationReads(db: Database): RelationReads {
  const delegates = new Map<string, object>();
  return new Proxy(db, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property);
      if (typeof property !== 'string' || property.startsWith('$') || typeof value !== 'object' || value === null) {
        if (typeof value === 'function') throw new Error(`GraphQL reads through the stores: ${String(property)} is not available here`);
        return value;
      }
      let delegate = delegates.get(property);
      if (!delegate) {
        delegate = new Proxy(value, {
          get(model, method) {
            const member: unknown = Reflect.get(model, method);
            if (typeof member === 'function' && !(typeof method === 'string' && READS.has(method))) {
              throw new Error(`GraphQL reads relations only: ${property}.${String(method)} is not available here`);
            }
            return member;
          },
        });
        delegates.set(property, delegate);
      }
      return delegate;
    },
  });
}

/**
 * A query from Pothos' Prisma plugin, fit for Prisma: a selection that picked
 * no column (a GraphQL selection of `__typename` alone) loads the row instead
 * (Prisma refuses an empty `select`).
 */
export function loadable<Q extends { select?: object }>(query: Q): Q {
  if (query.select && Object.keys(query.select).length === 0) {
    const { select: _empty, ...rest } = query;
    return rest as Q;
  }
  return query;
}
