/**
 * Prepared statements kept between calls on the SQLite connection Prisma uses. Prisma's better-sqlite3 adapter
 * compiles every statement again on every call (`db.prepare(sql).bind(args)`, then `run()` or `raw().all()`), and
 * each statement it drops holds native memory until the garbage collector finalizes it: about 13 µs of a core per
 * statement, a dozen statements a credential's create. Here `prepare` hands back a statement compiled once per SQL
 * text (the last STATEMENT_CACHE_SIZE texts used; Prisma's SQL carries its values as parameters, so the texts are
 * few), and `bind` a call that runs it with those values. better-sqlite3 clears a statement's values after each call:
 * nothing a statement was given stays behind in it. The answers are the adapter's own (test/fast/statement-cache.test.ts
 * runs the same operations, failures included, with and without the cache), but for one the adapter gets wrong: after
 * another connection changed a table, it read a fresh statement's columns before SQLite compiled it again for the new
 * schema (a new column came back named "undefined"); here a query runs before its columns are read.
 *
 * It reaches the adapter's connection through its `client` field and supports exactly the calls the adapter makes
 * (@prisma/adapter-better-sqlite3 is pinned): a release that changes either fails every query at once, not subtly.
 */
import type { SqlDriverAdapter, SqlDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import Sqlite from 'better-sqlite3';

/** SQL texts whose compiled statements are kept, per connection (the least recently used goes first). */
export const STATEMENT_CACHE_SIZE = 256;

/** The values of one call, in the order of the statement's `?` placeholders. */
type Values = unknown[];

/**
 * A statement with the values of one call: what the adapter calls after `bind`. A query runs when the adapter asks
 * for its columns (it asks first, then for the rows): a statement compiled before the schema changed (a migration
 * by another process) is compiled again by SQLite only when it runs, and its columns are read after that, never
 * from the old compilation.
 */
class Call {
  private rows: unknown[] | undefined;

  constructor(
    private readonly statement: Sqlite.Statement,
    private readonly values: Values,
  ) {}

  get reader(): boolean {
    return this.statement.reader;
  }

  columns(): Sqlite.ColumnDefinition[] {
    this.rows = this.all();
    return this.statement.columns();
  }

  run(): Sqlite.RunResult {
    return this.statement.run(this.values);
  }

  raw(): { all: () => unknown[] } {
    return { all: () => this.rows ?? this.all() };
  }

  private all(): unknown[] {
    return this.statement.raw(true).all(this.values) as unknown[];
  }
}

/** A compiled statement, before its values: `bind` (the adapter's queries) or `run` (its BEGIN). */
class Cached {
  constructor(private readonly statement: Sqlite.Statement) {}

  bind(values: Values): Call {
    return new Call(this.statement, values);
  }

  run(): Sqlite.RunResult {
    return this.statement.run([]);
  }
}

/** Makes `db.prepare` answer from a bounded cache of compiled statements. */
export function cacheStatements(db: Sqlite.Database, size = STATEMENT_CACHE_SIZE): void {
  const compile = db.prepare.bind(db);
  const statements = new Map<string, Cached>();
  const prepare = (sql: string): Cached => {
    let cached = statements.get(sql);
    if (cached) {
      // Most recently used last: the first key is the one to drop.
      statements.delete(sql);
    } else {
      cached = new Cached(compile(sql));
      if (statements.size >= size) statements.delete(statements.keys().next().value!);
    }
    statements.set(sql, cached);
    return cached;
  };
  (db as unknown as { prepare: typeof prepare }).prepare = prepare;
}

/** The better-sqlite3 connection an adapter of @prisma/adapter-better-sqlite3 runs its queries on. */
function connectionOf(adapter: SqlDriverAdapter): Sqlite.Database {
  const client = (adapter as unknown as { client?: unknown }).client;
  if (!(client instanceof Sqlite)) {
    throw new Error('@prisma/adapter-better-sqlite3 no longer keeps its connection as `client`: the statement cache cannot reach it');
  }
  return client;
}

/** The adapter factory whose connections keep their compiled statements (see above). */
export function withStatementCache(factory: SqlDriverAdapterFactory, size = STATEMENT_CACHE_SIZE): SqlDriverAdapterFactory {
  return {
    provider: factory.provider,
    adapterName: factory.adapterName,
    async connect() {
      const adapter = await factory.connect();
      cacheStatements(connectionOf(adapter), size);
      return adapter;
    },
  };
}
