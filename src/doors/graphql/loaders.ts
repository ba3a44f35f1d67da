/**
 * Batched reads of one request: a nested selection (viewer → organizations →
 * workspaces → participants → user) asks a loader per object, and the loader
 * answers every object of one level with one read, whatever their number.
 * Loaders live as long as the request's context.
 */
import DataLoader from 'dataloader';

const loaders = new WeakMap<object, Map<string, DataLoader<unknown, unknown>>>();

/** The loader `name` of this request, made on first use from `load` (keys in, one answer per key out, in order). */
export function loaderOf<K, V>(ctx: object, name: string, load: (keys: readonly K[]) => Promise<Array<V | Error>>): DataLoader<K, V> {
  let byName = loaders.get(ctx);
  if (!byName) {
    byName = new Map();
    loaders.set(ctx, byName);
  }
  let loader = byName.get(name) as DataLoader<K, V> | undefined;
  if (!loader) {
    loader = new DataLoader<K, V>(load);
    byName.set(name, loader as DataLoader<unknown, unknown>);
  }
  return loader;
}

/** Answers in the order of `keys` from rows found in any order: `keyOf` names a row's key, `one` makes the answer of a key from its rows (none: an empty list). */
export function inKeyOrder<K, R, V>(keys: readonly K[], rows: readonly R[], keyOf: (row: R) => K, one: (rows: R[], key: K) => V): V[] {
  const byKey = new Map<K, R[]>();
  for (const row of rows) {
    const key = keyOf(row);
    const list = byKey.get(key);
    if (list) list.push(row);
    else byKey.set(key, [row]);
  }
  return keys.map((key) => one(byKey.get(key) ?? [], key));
}
