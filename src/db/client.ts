/**
 * Opens the database: the Prisma client on the better-sqlite3 driver adapter,
 * with SQLite settings chosen for a secret store.
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import { StoreBusy } from '../credentials/errors.js';
import { PrismaClient } from '../generated/prisma/client.js';

export type Database = PrismaClient;

/** Milliseconds a statement waits for another process's lock before failing. */
export const BUSY_TIMEOUT_MS = 5000;

/** The file path of a `file:` DATABASE_URL, resolved against the working directory. */
export function sqlitePath(databaseUrl: string): string {
  if (!databaseUrl.startsWith('file:')) throw new Error(`Unsupported DATABASE_URL '${databaseUrl}': expected file:<path>`);
  return resolve(databaseUrl.slice('file:'.length).split('?')[0]!);
}

export function sqliteAdapter(databaseUrl: string): PrismaBetterSqlite3 {
  const path = sqlitePath(databaseUrl);
  mkdirSync(dirname(path), { recursive: true });
  return new PrismaBetterSqlite3({ url: path, timeout: BUSY_TIMEOUT_MS });
}

export interface QueryEvent {
  query: string;
  durationMs: number;
}

export interface DatabaseOptions {
  /** Called after every SQL statement (metrics, tests counting queries). */
  onQuery?: (event: QueryEvent) => void;
}

export async function openDatabase(databaseUrl: string, options: DatabaseOptions = {}): Promise<Database> {
  const db = new PrismaClient({
    adapter: sqliteAdapter(databaseUrl),
    ...(options.onQuery ? { log: [{ emit: 'event' as const, level: 'query' as const }] } : {}),
  });
  if (options.onQuery) {
    const onQuery = options.onQuery;
    (db as unknown as PrismaClient<'query'>).$on('query', (e) => onQuery({ query: e.query, durationMs: e.duration }));
  }
  // A statement that waited out the busy timeout (another process holding the
  // write lock) fails as the domain's StoreBusy: a clean 503, nothing changed.
  const translated = db.$extends({
    query: {
      async $allOperations({ args, query }) {
        try {
          return await query(args);
        } catch (error) {
          throw isTimeout(error) ? new StoreBusy() : error;
        }
      },
    },
  }) as unknown as Database;
  // WAL: readers never block the writer; FULL: a commit is on disk before it is
  // acknowledged; foreign keys enforced. (journal_mode persists in the file, the
  // others are per connection: the adapter keeps one connection.)
  await translated.$queryRawUnsafe('PRAGMA journal_mode = WAL');
  await translated.$executeRawUnsafe('PRAGMA synchronous = FULL');
  await translated.$executeRawUnsafe('PRAGMA foreign_keys = ON');
  return translated;
}

/** Prisma's "timed out" (P1008), also as it comes through a raw statement (P2010 with the adapter's kind). */
function isTimeout(error: unknown): boolean {
  const e = error as { code?: string; meta?: { driverAdapterError?: { cause?: { kind?: string } } } };
  return e.code === 'P1008' || (e.code === 'P2010' && e.meta?.driverAdapterError?.cause?.kind === 'SocketTimeout');
}
