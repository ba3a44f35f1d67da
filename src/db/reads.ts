/**
 * The hot reads of every request: the token behind a bearer token, one live
 * credential, a page of live credentials. They never read a sealed secret.
 *
 * On SQLite they run as statements prepared once on a second, read-only
 * connection (a Prisma query costs ~175 µs here, a prepared statement a few
 * µs). In WAL mode every statement of that connection reads the last committed
 * state of the file, so a read after an acknowledged write always sees it, from
 * this process or any other: there is nothing to invalidate. On PostgreSQL
 * they are named (server-prepared) statements on a pool of their own.
 */
import Sqlite from 'better-sqlite3';
import pg from 'pg';
import { BUSY_TIMEOUT_MS, busyAsStoreBusy, numberedPlaceholders, postgresPool, sqlitePath, type QueryEvent } from './client.js';
import { providerOf } from './paths.js';

/** A credential as the reads return it: every column but the sealed secret and bookkeeping. */
export interface CredentialRecord {
  id: string;
  userId: string;
  name: string;
  description: string | null;
  provider: string;
  baseUrl: string | null;
  category: string | null;
  /** JSON text of the returned (non-secret) key fields. */
  keys: string;
  deleted: Date | null;
  lastUsed: Date | null;
  dateCreated: Date;
  lastUpdated: Date;
}

export interface TokenRecord {
  id: string;
  userId: string;
  revokedAt: Date | null;
}

export interface PageQuery {
  userId: string;
  /** Only these providers (undefined: all). */
  providers?: readonly string[];
  /** Strictly after this position in (dateCreated, id) order. */
  after?: { dateCreated: Date; id: string };
  /** At most this many rows (undefined: all). */
  take?: number;
}

export interface Reads {
  token(tokenHash: string): TokenRecord | null | Promise<TokenRecord | null>;
  /** The owner's credential if it is live (not deleted). */
  liveCredential(userId: string, id: string): CredentialRecord | null | Promise<CredentialRecord | null>;
  /** The counter that every change to the user's credentials bumps (a trigger does). */
  credentialsVersion(userId: string): number | Promise<number>;
  /** The owner's live credentials in (dateCreated, id) order. */
  livePage(query: PageQuery): CredentialRecord[] | Promise<CredentialRecord[]>;
  close(): void | Promise<void>;
}

const RECORD_COLUMNS = ['id', 'userId', 'name', 'description', 'provider', 'baseUrl', 'category', 'keys', 'deleted', 'lastUsed', 'dateCreated', 'lastUpdated'] as const;
const QUOTED_COLUMNS = RECORD_COLUMNS.map((c) => `"${c}"`).join(', ');

/** The page query of one shape (provider count, cursor, limit), with `?` placeholders. */
function pageStatement(providerCount: number | undefined, after: boolean, limited: boolean, quoted: boolean) {
  const q = (name: string) => (quoted ? `"${name}"` : name);
  const where = [`${q('userId')} = ?`, `${q('deleted')} IS NULL`];
  if (providerCount !== undefined) where.push(providerCount === 0 ? 'FALSE' : `${q('provider')} IN (${Array(providerCount).fill('?').join(', ')})`);
  if (after) where.push(`(${q('dateCreated')} > ? OR (${q('dateCreated')} = ? AND ${q('id')} > ?))`);
  const sql = `SELECT ${quoted ? QUOTED_COLUMNS : RECORD_COLUMNS.join(', ')} FROM ${q('Credential')} WHERE ${where.join(' AND ')} ORDER BY ${q('dateCreated')}, ${q('id')}${limited ? ' LIMIT ?' : ''}`;
  return { key: `${providerCount ?? '-'}:${after}:${limited}`, sql };
}

/** The reads of this database; each statement reports to `onQuery` (metrics). */
export function openReads(databaseUrl: string, onQuery?: (event: QueryEvent) => void): Reads {
  return providerOf(databaseUrl) === 'sqlite' ? new SqliteReads(sqlitePath(databaseUrl), onQuery) : new PostgresReads(databaseUrl, onQuery);
}

/** A row as the drivers return it: dates as ISO text (SQLite) or Date (PostgreSQL). */
export type Row = Record<(typeof RECORD_COLUMNS)[number], string | Date | null>;

/** SQLite stores a DateTime as ISO text with an explicit offset, as Prisma's adapter writes it. */
const sqliteDate = (date: Date) => date.toISOString().replace('Z', '+00:00');

export function toRecord(row: Row): CredentialRecord {
  return {
    id: row.id as string,
    userId: row.userId as string,
    name: row.name as string,
    description: row.description as string | null,
    provider: row.provider as string,
    baseUrl: row.baseUrl as string | null,
    category: row.category as string | null,
    keys: row.keys as string,
    deleted: row.deleted === null ? null : new Date(row.deleted),
    lastUsed: row.lastUsed === null ? null : new Date(row.lastUsed),
    dateCreated: new Date(row.dateCreated!),
    lastUpdated: new Date(row.lastUpdated!),
  };
}


class SqliteReads implements Reads {
  readonly #db: Sqlite.Database;
  readonly #token: Sqlite.Statement<[string], { id: string; userId: string; revokedAt: string | null }>;
  readonly #credential: Sqlite.Statement<[string, string], Row>;
  readonly #version: Sqlite.Statement<[string], number>;
  readonly #pages = new Map<string, Sqlite.Statement<unknown[], Row>>();

  constructor(
    path: string,
    private readonly onQuery?: (event: QueryEvent) => void,
  ) {
    this.#db = new Sqlite(path, { readonly: true, fileMustExist: true, timeout: BUSY_TIMEOUT_MS });
    this.#token = this.#db.prepare('SELECT id, userId, revokedAt FROM AccessToken WHERE tokenHash = ?');
    this.#credential = this.#db.prepare(`SELECT ${RECORD_COLUMNS.join(', ')} FROM Credential WHERE id = ? AND userId = ? AND deleted IS NULL`);
    this.#version = this.#db.prepare<[string], number>('SELECT credentialsVersion FROM User WHERE id = ?').pluck();
  }

  credentialsVersion(userId: string): number {
    return this.#run(this.#version, (s) => s.get(userId)) ?? 0;
  }

  token(tokenHash: string): TokenRecord | null {
    const row = this.#run(this.#token, (s) => s.get(tokenHash));
    return row ? { id: row.id, userId: row.userId, revokedAt: row.revokedAt === null ? null : new Date(row.revokedAt) } : null;
  }

  liveCredential(userId: string, id: string): CredentialRecord | null {
    const row = this.#run(this.#credential, (s) => s.get(id, userId));
    return row ? toRecord(row) : null;
  }

  livePage({ userId, providers, after, take }: PageQuery): CredentialRecord[] {
    const statement = this.#pageStatement(providers?.length, after !== undefined, take !== undefined);
    const params: unknown[] = [userId, ...(providers ?? [])];
    if (after) params.push(sqliteDate(after.dateCreated), sqliteDate(after.dateCreated), after.id);
    if (take !== undefined) params.push(take);
    return this.#run(statement, (s) => s.all(...params)).map(toRecord);
  }

  /**
   * Runs a statement, timed for the query metrics. One that waited out the busy
   * timeout fails as the domain's StoreBusy (503), as writes do.
   */
  #run<S extends Sqlite.Statement<never[], unknown>, T>(statement: S, read: (statement: S) => T): T {
    const started = performance.now();
    try {
      return read(statement);
    } catch (error) {
      throw busyAsStoreBusy(error);
    } finally {
      this.onQuery?.({ query: statement.source, durationMs: performance.now() - started });
    }
  }

  /** One statement per shape of query (provider count, cursor, limit), prepared on first use. */
  #pageStatement(providerCount: number | undefined, after: boolean, limited: boolean) {
    const { key, sql } = pageStatement(providerCount, after, limited, false);
    let statement = this.#pages.get(key);
    if (!statement) {
      statement = this.#db.prepare(sql);
      this.#pages.set(key, statement);
    }
    return statement;
  }

  close(): void {
    this.#db.close();
  }
}

/** PostgreSQL's `timestamp` (without zone) holds UTC here: read it as UTC, whatever the machine's zone. */
const utcTimestamp = (text: string) => new Date(`${text.replace(' ', 'T')}Z`);
const TIMESTAMP_OID = 1114;

/**
 * The same reads on PostgreSQL: statements prepared once per connection (named
 * statements) on a pool of this instance. Each runs in its own implicit
 * transaction, so it sees every write committed before it, by any instance.
 */
class PostgresReads implements Reads {
  readonly #pool: pg.Pool;

  constructor(
    databaseUrl: string,
    private readonly onQuery?: (event: QueryEvent) => void,
  ) {
    this.#pool = postgresPool(databaseUrl, 10, {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === TIMESTAMP_OID ? utcTimestamp : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
    });
  }

  async #run<T>(name: string, sql: string, values: unknown[]): Promise<T[]> {
    const started = performance.now();
    try {
      return (await this.#pool.query({ name, text: numberedPlaceholders(sql), values })).rows as T[];
    } catch (error) {
      throw busyAsStoreBusy(error);
    } finally {
      this.onQuery?.({ query: sql, durationMs: performance.now() - started });
    }
  }

  async token(tokenHash: string): Promise<TokenRecord | null> {
    const [row] = await this.#run<TokenRecord>('token', 'SELECT "id", "userId", "revokedAt" FROM "AccessToken" WHERE "tokenHash" = ?', [tokenHash]);
    return row ?? null;
  }

  async credentialsVersion(userId: string): Promise<number> {
    const [row] = await this.#run<{ v: number }>('version', 'SELECT "credentialsVersion" AS v FROM "User" WHERE "id" = ?', [userId]);
    return row?.v ?? 0;
  }

  async liveCredential(userId: string, id: string): Promise<CredentialRecord | null> {
    const [row] = await this.#run<Row>('credential', `SELECT ${QUOTED_COLUMNS} FROM "Credential" WHERE "id" = ? AND "userId" = ? AND "deleted" IS NULL`, [id, userId]);
    return row ? toRecord(row) : null;
  }

  async livePage({ userId, providers, after, take }: PageQuery): Promise<CredentialRecord[]> {
    const { key, sql } = pageStatement(providers?.length, after !== undefined, take !== undefined, true);
    const params: unknown[] = [userId, ...(providers ?? [])];
    // (As text without a zone: a Date parameter would be sent in the machine's zone.)
    const at = (d: Date) => d.toISOString().replace('Z', '');
    if (after) params.push(at(after.dateCreated), at(after.dateCreated), after.id);
    if (take !== undefined) params.push(take);
    return (await this.#run<Row>(`page:${key}`, sql, params)).map(toRecord);
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }
}
