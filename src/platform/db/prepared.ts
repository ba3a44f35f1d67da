/**
 * Prepared statements for the reads of every request (token, describe, pages).
 * A Prisma query costs ~175 µs here, a prepared statement a few µs, so the
 * stores declare their hot reads as SQL next to their column lists and run
 * them here; Prisma keeps every write.
 *
 * On SQLite the statements run on a second, read-only connection: in WAL mode
 * every statement reads the last committed state of the file, so a read after
 * an acknowledged write sees it, from this process or any other. On PostgreSQL
 * they are named (server-prepared) statements on a pool of their own; each runs
 * in its own implicit transaction and sees every committed write. The SQL is
 * written once for both: quoted identifiers and `?` placeholders.
 *
 * One write runs here too, on SQLite only: `runInOneCommit`, for a write of
 * every delivery (its record), where Prisma's per-statement compile of the
 * statement and its triggers was a sixth of a delivery's CPU.
 */
import Sqlite from 'better-sqlite3';
import { LRUCache } from 'lru-cache';
import type pg from 'pg';
import type { MaybePromise } from '../../core/maybe.js';
import { type Timestamp, timestampOf } from '../../core/time.js';
import { providerOf, sqlitePath } from '../../infra/database-url.js';
import { BUSY_TIMEOUT_MS, numberedPlaceholders, pgDriver, postgresPool, type QueryEvent } from './client.js';
import { asStoreError, StoreHealth } from './failures.js';

export interface PreparedStatements {
  /** The rows of `sql`, prepared the first time a statement of this `name` runs. */
  all<Row>(name: string, sql: string, params: readonly unknown[]): MaybePromise<Row[]>;
  /** The first row of `sql`, or undefined. */
  get<Row>(name: string, sql: string, params: readonly unknown[]): MaybePromise<Row | undefined>;
  /** A date as a parameter compared with stored dates (each database stores them its own way). */
  date(date: Date): string;
  /**
   * SQLite: a number that changes whenever any connection (of this process or
   * another) commits a change to the database file (`PRAGMA data_version` of
   * the read connection, a few µs, no table read) — a row read under the same
   * number is still what the database holds. PostgreSQL: undefined (no such
   * cheap check: nothing read may be kept).
   * Read once per turn of the event loop (every request answered in one turn
   * sees the same number; the next turn reads it again), and again after any
   * write of this process (`forgetDataVersion`).
   */
  dataVersion(): number | undefined;
  /** A write of this process committed: the next dataVersion reads the number again. */
  forgetDataVersion(): void;
  /**
   * SQLite: runs the statements, all in one transaction (one commit) on a write connection of its own, and answers
   * how many rows each changed; each statement (`name`: its SQL) is prepared once, with its triggers.
   * It never waits for the write lock — a wait would stop the event loop while the holder, perhaps a Prisma
   * transaction of this very process, needs it to finish —: undefined when another connection holds the lock
   * right now, and always on PostgreSQL; the caller then writes through Prisma, which waits its turn.
   */
  runInOneCommit(runs: readonly StatementRun[]): number[] | undefined;
  close(): MaybePromise<void>;
}

/** A statement to run: prepared once under its `name`. */
export interface StatementRun {
  name: string;
  sql: string;
  params: readonly unknown[];
}

/**
 * The prepared statements of this database; each reports to `onQuery` (metrics, tests counting statements)
 * and to `health` (readiness, one log line per outage).
 */
export function openPreparedStatements(
  databaseUrl: string,
  onQuery?: (event: QueryEvent) => void,
  health = new StoreHealth(),
  /** Told after runInOneCommit committed (as the Prisma client's onWrite). */
  onWrite?: () => void,
): PreparedStatements {
  return providerOf(databaseUrl) === 'sqlite'
    ? new SqliteStatements(sqlitePath(databaseUrl), health, onQuery, onWrite)
    : new PostgresStatements(databaseUrl, health, onQuery);
}

/**
 * Answers of a hot read kept under the data version they were read under
 * (SQLite: see `dataVersion`) and reused while it is unchanged — any commit,
 * by any process, reads them again. A found answer is kept frozen (the
 * requests of the meantime share it); nothing is kept on PostgreSQL, nor a
 * miss. At most `max`, least recently used dropped.
 */
export class KeptReads<T extends object> {
  readonly #kept: LRUCache<string, { version: number; value: T }>;

  constructor(
    private readonly statements: PreparedStatements,
    max: number,
  ) {
    this.#kept = new LRUCache({ max });
  }

  get(key: string, read: () => MaybePromise<T | null>): MaybePromise<T | null> {
    // The number is read before the row: a commit in between changes it, and the row is read again next time.
    const version = this.statements.dataVersion();
    if (version === undefined) return read();
    const kept = this.#kept.get(key);
    if (kept?.version === version) return kept.value;
    const value = read();
    if (value instanceof Promise || value === null) return value;
    this.#kept.set(key, { version, value: Object.freeze(value) });
    return value;
  }
}

/** A date column as the drivers return it (ISO text on SQLite, Date on PostgreSQL). */
export const dateOf = (value: string | Date): Date => (value instanceof Date ? value : new Date(value));
export const optionalDateOf = (value: string | Date | null): Date | null => (value === null ? null : dateOf(value));

/**
 * A date column as a Timestamp. SQLite holds what Prisma's adapter writes
 * (`2026-01-01T00:00:00.000+00:00`): rewritten to UTC's `Z` without parsing.
 */
export function timestampOfColumn(value: string | Date): Timestamp {
  if (typeof value === 'string' && value.length === 29 && value.endsWith('+00:00')) return `${value.slice(0, 23)}Z` as Timestamp;
  return timestampOf(dateOf(value));
}
export const optionalTimestampOfColumn = (value: string | Date | null): Timestamp | null => (value === null ? null : timestampOfColumn(value));

class SqliteStatements implements PreparedStatements {
  readonly #db: Sqlite.Database;
  readonly #statements = new Map<string, Sqlite.Statement<unknown[]>>();
  /** runInOneCommit's connection and statements, opened on first use. */
  #writer: Sqlite.Database | undefined;
  readonly #writes = new Map<string, Sqlite.Statement<unknown[]>>();

  constructor(
    private readonly path: string,
    private readonly health: StoreHealth,
    private readonly onQuery?: (event: QueryEvent) => void,
    private readonly onWrite?: () => void,
  ) {
    this.#db = new Sqlite(path, { readonly: true, fileMustExist: true, timeout: BUSY_TIMEOUT_MS });
  }

  runInOneCommit(runs: readonly StatementRun[]): number[] | undefined {
    const started = performance.now();
    try {
      if (!this.#writer) {
        const writer = new Sqlite(this.path, { fileMustExist: true, timeout: 0 });
        // As the Prisma client's connection (client.ts): durable commits, foreign keys, deleted content zeroed.
        writer.pragma('synchronous = FULL');
        writer.pragma('foreign_keys = ON');
        writer.pragma('secure_delete = ON');
        this.#writer = writer;
      }
      const writer = this.#writer;
      const prepared = ({ name, sql }: StatementRun) => {
        let statement = this.#writes.get(name);
        if (!statement) {
          statement = writer.prepare(sql);
          this.#writes.set(name, statement);
        }
        return statement;
      };
      const changes = writer.transaction(() => runs.map((run) => prepared(run).run(...run.params).changes)).immediate();
      this.health.succeeded(true);
      this.forgetDataVersion();
      this.onWrite?.();
      return changes;
    } catch (error) {
      // Another connection writes right now (nothing was done): the caller's ordinary write waits its turn.
      if ((error as { code?: string }).code === 'SQLITE_BUSY') return undefined;
      this.health.failed(error);
      throw asStoreError(error);
    } finally {
      this.onQuery?.({ query: runs.map((run) => run.sql).join(';\n'), durationMs: performance.now() - started });
    }
  }

  all<Row>(name: string, sql: string, params: readonly unknown[]): Row[] {
    return this.#run(name, sql, (s) => s.all(...params) as Row[]);
  }

  get<Row>(name: string, sql: string, params: readonly unknown[]): Row | undefined {
    return this.#run(name, sql, (s) => s.get(...params) as Row | undefined);
  }

  /** ISO text with an explicit offset, as Prisma's adapter stores a DateTime. */
  date(date: Date): string {
    return date.toISOString().replace('Z', '+00:00');
  }

  #dataVersion: number | undefined;

  dataVersion(): number {
    if (this.#dataVersion === undefined) {
      this.#dataVersion = this.#run('data_version', 'PRAGMA data_version', (s) => s.pluck().get() as number);
      setImmediate(() => this.forgetDataVersion());
    }
    return this.#dataVersion;
  }

  forgetDataVersion(): void {
    this.#dataVersion = undefined;
  }

  /** Runs a statement, timed; one that waited out the busy timeout fails as StoreBusy (503), as writes do (failures.ts). */
  #run<T>(name: string, sql: string, read: (statement: Sqlite.Statement<unknown[]>) => T): T {
    let statement = this.#statements.get(name);
    if (!statement) {
      statement = this.#db.prepare(sql);
      this.#statements.set(name, statement);
    }
    const started = performance.now();
    try {
      return read(statement);
    } catch (error) {
      this.health.failed(error);
      throw asStoreError(error);
    } finally {
      this.onQuery?.({ query: sql, durationMs: performance.now() - started });
    }
  }

  close(): void {
    this.#writer?.close();
    this.#db.close();
  }
}

/** PostgreSQL's `timestamp` (without zone) holds UTC here: read it as UTC, whatever the machine's zone. */
const utcTimestamp = (text: string) => new Date(`${text.replace(' ', 'T')}Z`);
const TIMESTAMP_OID = 1114;

class PostgresStatements implements PreparedStatements {
  readonly #pool: pg.Pool;
  readonly #texts = new Map<string, string>();

  constructor(
    databaseUrl: string,
    private readonly health: StoreHealth,
    private readonly onQuery?: (event: QueryEvent) => void,
  ) {
    const { types } = pgDriver();
    this.#pool = postgresPool(databaseUrl, {
      size: 10,
      health,
      types: {
        getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
          oid === TIMESTAMP_OID ? utcTimestamp : types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
      },
    });
  }

  async all<Row>(name: string, sql: string, params: readonly unknown[]): Promise<Row[]> {
    let text = this.#texts.get(name);
    if (text === undefined) {
      text = numberedPlaceholders(sql);
      this.#texts.set(name, text);
    }
    const started = performance.now();
    try {
      const rows = (await this.#pool.query({ name, text, values: params as unknown[] })).rows as Row[];
      this.health.succeeded(false);
      return rows;
    } catch (error) {
      this.health.failed(error);
      throw asStoreError(error);
    } finally {
      this.onQuery?.({ query: sql, durationMs: performance.now() - started });
    }
  }

  async get<Row>(name: string, sql: string, params: readonly unknown[]): Promise<Row | undefined> {
    return (await this.all<Row>(name, sql, params))[0];
  }

  /** A `timestamp` holding UTC, as text without a zone (a Date parameter would be sent in the machine's zone). */
  date(date: Date): string {
    return date.toISOString().replace('Z', '');
  }

  dataVersion(): undefined {
    return undefined;
  }

  forgetDataVersion(): void {}

  runInOneCommit(): undefined {
    return undefined;
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }
}
