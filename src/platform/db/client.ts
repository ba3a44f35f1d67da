/**
 * Opens the database: the Prisma client on the better-sqlite3 driver adapter,
 * with SQLite settings chosen for a secret store; or, for a postgresql:// URL,
 * the client generated for PostgreSQL on the pg driver adapter.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { chmodSync, closeSync, constants, openSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import type { PrismaPg } from '@prisma/adapter-pg';
import type pg from 'pg';
import { PrismaClient } from '../../generated/prisma/client.js';
import { providerOf, sqlitePath } from '../../infra/database-url.js';
import { makeDirectories } from '../../infra/files.js';
import { asStoreError, failureReason, StoreHealth } from './failures.js';
import { withStatementCache } from './statement-cache.js';

/**
 * The Prisma client. Both generated clients have the same models (one schema is
 * derived from the other), so the SQLite client's type stands for both.
 */
export type Database = PrismaClient;

/** Milliseconds a statement waits for another process's lock before failing. */
export const BUSY_TIMEOUT_MS = 5000;

export function sqliteAdapter(databaseUrl: string): PrismaBetterSqlite3 {
  const path = sqlitePath(databaseUrl);
  privateDatabaseFile(path);
  return new PrismaBetterSqlite3({ url: path, timeout: BUSY_TIMEOUT_MS });
}

/**
 * The SQLite file readable by its owner only: created 0600 (in a directory made
 * 0700) before SQLite opens it, so its WAL and shared-memory files, which SQLite
 * creates with the database's permissions, are 0600 too. An existing database
 * readable by others is made private.
 */
export function privateDatabaseFile(path: string): void {
  makeDirectories(dirname(path), 0o700);
  try {
    closeSync(openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  for (const file of [path, `${path}-wal`, `${path}-shm`]) {
    try {
      if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
}

const load = createRequire(import.meta.url);

/**
 * The pg driver, loaded on first use: a service on SQLite never carries it or
 * Prisma's adapter for it (about 15 MB of memory).
 */
export const pgDriver = (): typeof pg => load('pg') as typeof pg;

export interface PoolOptions {
  size?: number;
  types?: pg.CustomTypesConfig;
  /** Told when an idle connection of the pool fails (the server restarted, a backend was terminated). */
  health?: StoreHealth;
}

/**
 * PostgreSQL: a pool per instance; a statement waiting for a lock longer than
 * the busy timeout fails (as on SQLite), and connections are checked before use.
 * An idle connection that the server ends (a restart, a failover, a terminated
 * backend, idle_session_timeout) leaves the pool, which connects anew when next
 * asked: it is reported (once per outage) and never ends the process, as an
 * unhandled 'error' event would.
 */
export function postgresPool(databaseUrl: string, { size = 10, types, health }: PoolOptions = {}): pg.Pool {
  const pool = new (pgDriver().Pool)({
    connectionString: databaseUrl,
    max: size,
    options: `-c lock_timeout=${BUSY_TIMEOUT_MS}`,
    connectionTimeoutMillis: BUSY_TIMEOUT_MS,
    // An idle connection is kept 5 minutes (pg's default is 10 s): a service busy every few seconds would
    // otherwise connect again and again (a TCP connect, SCRAM's key derivation, its statements prepared anew).
    idleTimeoutMillis: 5 * 60_000,
    ...(types ? { types } : {}),
  });
  // The error carries the pg client (its user, database and prepared SQL): only its reason goes further.
  pool.on('error', (error) => health?.failed(Object.assign(new Error(failureReason(error)), { code: (error as { code?: string }).code ?? 'ECONNRESET' })));
  return pool;
}

export function postgresAdapter(databaseUrl: string, poolOptions: PoolOptions = {}): { adapter: PrismaPg; pool: pg.Pool } {
  const pool = postgresPool(databaseUrl, poolOptions);
  // The pool is ours to end (closeDatabase): Prisma's disconnect leaves an adapter's pool open.
  const { PrismaPg: Adapter } = load('@prisma/adapter-pg') as typeof import('@prisma/adapter-pg');
  return { adapter: new Adapter(pool), pool };
}

export interface QueryEvent {
  query: string;
  durationMs: number;
}

export interface DatabaseOptions {
  /** Called after every SQL statement (metrics, tests counting queries). */
  onQuery?: (event: QueryEvent) => void;
  /** Told of every statement's success or failure (readiness, one log line per outage). */
  health?: StoreHealth;
  /** Called after a write (a statement outside a transaction, or a transaction) committed. */
  onWrite?: () => void;
}

/** Set while a transaction runs (its statements' successes are not the database's until it commits). */
const inTransaction = new AsyncLocalStorage<true>();

/** How long a transaction may wait for a connection, and run: past the busy timeout of the statements in it. */
const TRANSACTION_LIMITS = { maxWait: BUSY_TIMEOUT_MS, timeout: 3 * BUSY_TIMEOUT_MS };

/** Prisma's operations that write. */
const WRITES = new Set([
  'create',
  'createMany',
  'createManyAndReturn',
  'update',
  'updateMany',
  'updateManyAndReturn',
  'upsert',
  'delete',
  'deleteMany',
  '$executeRaw',
  '$executeRawUnsafe',
]);

const pools = new WeakMap<object, pg.Pool>();

/** Disconnects the client and ends its connection pool (PostgreSQL). */
export async function closeDatabase(db: Database): Promise<void> {
  await db.$disconnect();
  await pools.get(db)?.end();
}

export async function openDatabase(databaseUrl: string, options: DatabaseOptions = {}): Promise<Database> {
  const provider = providerOf(databaseUrl);
  const log = options.onQuery ? { log: [{ emit: 'event' as const, level: 'query' as const }] } : {};
  let db: PrismaClient;
  if (provider === 'sqlite') {
    // Each statement compiled once, not on every call (statement-cache.ts).
    db = new PrismaClient({ adapter: withStatementCache(sqliteAdapter(databaseUrl)), ...log });
  } else {
    const { adapter, pool } = postgresAdapter(databaseUrl, { health: options.health });
    // Loaded only for PostgreSQL: a SQLite service does not carry the second client.
    const { PrismaClient: PostgresPrismaClient } = await import('../../generated/prisma-postgres/client.js');
    db = new PostgresPrismaClient({ adapter, ...log }) as unknown as PrismaClient;
    pools.set(db, pool);
  }
  if (options.onQuery) {
    const onQuery = options.onQuery;
    (db as unknown as PrismaClient<'query'>).$on('query', (e) => onQuery({ query: e.query, durationMs: e.duration }));
  }
  // A statement that waited out the busy timeout (another process holding the write lock), that could not
  // reach the database, or found it full or read-only fails as the domain's error of that kind (a retryable
  // answer; see failures.ts). Batch transactions fail outside the query extension: they are translated too.
  const health = options.health ?? new StoreHealth();
  const extended = db.$extends({
    query: {
      async $allOperations({ operation, args, query }) {
        try {
          const result = await query(args);
          // Inside a transaction a statement's success means nothing until the commit (a batch's statements
          // even report before they run): the transaction reports its own, below.
          if (!inTransaction.getStore()) {
            const write = WRITES.has(operation);
            health.succeeded(write);
            if (write) options.onWrite?.();
          }
          return result;
        } catch (error) {
          health.failed(error);
          throw asStoreError(error);
        }
      },
    },
  });
  const transaction = extended.$transaction.bind(extended) as (...args: unknown[]) => Promise<unknown>;
  const translated = new Proxy(extended, {
    get(target, property, receiver) {
      if (property !== '$transaction') return Reflect.get(target, property, receiver);
      return async (...args: unknown[]) => {
        try {
          // A statement in a transaction may wait out the busy/lock timeout and then fail as busy (503): the
          // transaction's own time limit (Prisma's default: 5 s, the same as the lock timeout) must outlast it.
          const result = await inTransaction.run(true, () => transaction(args[0], { ...TRANSACTION_LIMITS, ...(args[1] as object | undefined) }));
          health.succeeded(true);
          options.onWrite?.();
          return result;
        } catch (error) {
          health.failed(error);
          throw asStoreError(error);
        }
      };
    },
  }) as unknown as Database;
  if (provider === 'postgresql') {
    pools.set(translated, pools.get(db)!);
    return translated;
  }
  // WAL: readers never block the writer; FULL: a commit is on disk before it is
  // acknowledged; foreign keys enforced; secure delete. (journal_mode persists in the file, the
  // others are per connection: the adapter keeps one connection.)
  await translated.$queryRawUnsafe('PRAGMA journal_mode = WAL');
  await translated.$executeRawUnsafe('PRAGMA synchronous = FULL');
  await translated.$executeRawUnsafe('PRAGMA foreign_keys = ON');
  // Deleted content is overwritten with zeros, not left in free space: a destroyed version or a purged
  // secret is gone from the file (the upkeep's checkpoint takes it out of the write-ahead log).
  await translated.$queryRawUnsafe('PRAGMA secure_delete = ON');
  return translated;
}

/**
 * A unique index refused the statement, in any of the forms it takes: Prisma's
 * P2002 (model calls), P2010 wrapping the adapter's UniqueConstraintViolation
 * (raw statements), better-sqlite3's SQLITE_CONSTRAINT_UNIQUE, PostgreSQL's 23505.
 */
export function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: string; meta?: { driverAdapterError?: { cause?: { kind?: string } } } };
  return (
    e.code === 'P2002' ||
    e.code === '23505' ||
    e.code === 'SQLITE_CONSTRAINT_UNIQUE' ||
    (e.code === 'P2010' && e.meta?.driverAdapterError?.cause?.kind === 'UniqueConstraintViolation')
  );
}

/** `?` placeholders as PostgreSQL's numbered ones (`$1`, `$2`, …); the SQL must hold no other `?`. */
export const numberedPlaceholders = (sql: string): string => {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
};
