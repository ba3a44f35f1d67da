/**
 * The hot reads of every request: the token behind a bearer token, one live
 * credential, a page of live credentials. They never read a sealed secret.
 *
 * On SQLite they run as statements prepared once on a second, read-only
 * connection (a Prisma query costs ~175 µs here, a prepared statement a few
 * µs). In WAL mode every statement of that connection reads the last committed
 * state of the file, so a read after an acknowledged write always sees it, from
 * this process or any other: there is nothing to invalidate. Elsewhere
 * (PostgreSQL) the same reads go through Prisma.
 */
import Sqlite from 'better-sqlite3';
import { StoreBusy } from '../credentials/errors.js';
import type { Database, QueryEvent } from './client.js';
import { BUSY_TIMEOUT_MS, sqlitePath } from './client.js';

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
  close(): void;
}

const RECORD_COLUMNS = ['id', 'userId', 'name', 'description', 'provider', 'baseUrl', 'category', 'keys', 'deleted', 'lastUsed', 'dateCreated', 'lastUpdated'] as const;

/**
 * The reads of this database. Through Prisma, statements are reported by the
 * client's own query events; the SQLite statements report to `onQuery` (metrics).
 */
export function openReads(databaseUrl: string, db: Database, onQuery?: (event: QueryEvent) => void): Reads {
  return databaseUrl.startsWith('file:') ? new SqliteReads(sqlitePath(databaseUrl), onQuery) : new PrismaReads(db);
}

type Row = Record<(typeof RECORD_COLUMNS)[number], string | null>;

/** SQLite stores a DateTime as ISO text with an explicit offset, as Prisma's adapter writes it. */
const sqliteDate = (date: Date) => date.toISOString().replace('Z', '+00:00');

function toRecord(row: Row): CredentialRecord {
  return {
    id: row.id!,
    userId: row.userId!,
    name: row.name!,
    description: row.description,
    provider: row.provider!,
    baseUrl: row.baseUrl,
    category: row.category,
    keys: row.keys!,
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
      throw (error as { code?: string }).code?.startsWith('SQLITE_BUSY') ? new StoreBusy() : error;
    } finally {
      this.onQuery?.({ query: statement.source, durationMs: performance.now() - started });
    }
  }

  /** One statement per shape of query (provider count, cursor, limit), prepared on first use. */
  #pageStatement(providerCount: number | undefined, after: boolean, limited: boolean) {
    const key = `${providerCount ?? '-'}:${after}:${limited}`;
    let statement = this.#pages.get(key);
    if (!statement) {
      const where = ['userId = ?', 'deleted IS NULL'];
      if (providerCount !== undefined) where.push(providerCount === 0 ? '0' : `provider IN (${Array(providerCount).fill('?').join(', ')})`);
      if (after) where.push('(dateCreated > ? OR (dateCreated = ? AND id > ?))');
      statement = this.#db.prepare(
        `SELECT ${RECORD_COLUMNS.join(', ')} FROM Credential WHERE ${where.join(' AND ')} ORDER BY dateCreated, id${limited ? ' LIMIT ?' : ''}`,
      );
      this.#pages.set(key, statement);
    }
    return statement;
  }

  close(): void {
    this.#db.close();
  }
}

const recordSelect = Object.fromEntries(RECORD_COLUMNS.map((c) => [c, true])) as Record<(typeof RECORD_COLUMNS)[number], true>;

class PrismaReads implements Reads {
  constructor(private readonly db: Database) {}

  token(tokenHash: string): Promise<TokenRecord | null> {
    return this.db.accessToken.findUnique({ where: { tokenHash }, select: { id: true, userId: true, revokedAt: true } });
  }

  async credentialsVersion(userId: string): Promise<number> {
    const user = await this.db.user.findUnique({ where: { id: userId }, select: { credentialsVersion: true } });
    return user?.credentialsVersion ?? 0;
  }

  liveCredential(userId: string, id: string): Promise<CredentialRecord | null> {
    return this.db.credential.findFirst({ where: { id, userId, deleted: null }, select: recordSelect });
  }

  livePage({ userId, providers, after, take }: PageQuery): Promise<CredentialRecord[]> {
    return this.db.credential.findMany({
      where: {
        userId,
        deleted: null,
        ...(providers ? { provider: { in: [...providers] } } : {}),
        ...(after ? { OR: [{ dateCreated: { gt: after.dateCreated } }, { dateCreated: after.dateCreated, id: { gt: after.id } }] } : {}),
      },
      select: recordSelect,
      orderBy: [{ dateCreated: 'asc' }, { id: 'asc' }],
      ...(take === undefined ? {} : { take }),
    });
  }

  close(): void {}
}
