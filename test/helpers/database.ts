/**
 * The database a test runs on. By default a fresh SQLite file; with
 * TEST_POSTGRES_URL (a PostgreSQL server URL whose user may create databases)
 * a fresh PostgreSQL database per call, dropped by `dropDatabase`. When
 * TEST_POSTGRES_URL is set and the server cannot be reached, tests fail: they
 * never fall back to SQLite.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type pg from 'pg';
import { inject } from 'vitest';
import { numberedPlaceholders } from '../../src/platform/db/client.js';
import { dropPostgresDatabase, onServer } from '../../tools/postgres-databases.js';

export const postgresServer = process.env.TEST_POSTGRES_URL;
export const onPostgres = postgresServer !== undefined && postgresServer !== '';
export const provider = onPostgres ? 'postgresql' : 'sqlite';

/** Runs `work` on a connection to the test server's `postgres` database; an unreachable server fails the test, saying so. */
async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  return onServer(postgresServer!, work, (error) => new Error(`TEST_POSTGRES_URL is set but PostgreSQL cannot be reached: ${error.message}`));
}

/** A DATABASE_URL for a new, empty database (a file in `dir` on SQLite). */
export async function freshDatabaseUrl(dir: string, file = 'credentials.db'): Promise<string> {
  if (!onPostgres) return `file:${join(dir, file)}`;
  const name = `credentials_test_${randomBytes(6).toString('hex')}`;
  await admin((client) => client.query(`CREATE DATABASE "${name}"`));
  const url = new URL(postgresServer!);
  url.pathname = `/${name}`;
  return url.toString();
}

/**
 * A DATABASE_URL for a new database with every committed migration applied:
 * a copy of the run's template (test/helpers/global-setup.ts) — the SQLite file
 * copied into `dir`, or a PostgreSQL database created from the template.
 */
export async function migratedDatabaseUrl(dir: string, file = 'credentials.db'): Promise<string> {
  if (!onPostgres) {
    const path = join(dir, file);
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    copyFileSync(inject('sqliteTemplate'), path);
    chmodSync(path, 0o600);
    return `file:${path}`;
  }
  const template = inject('postgresTemplate');
  if (!template) return freshDatabaseUrl(dir, file);
  const name = `credentials_test_${randomBytes(6).toString('hex')}`;
  await admin((client) => client.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`));
  const url = new URL(postgresServer!);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Drops a database made by freshDatabaseUrl (SQLite files go with their directory). */
export async function dropDatabase(databaseUrl: string): Promise<void> {
  if (!databaseUrl.startsWith('postgres')) return;
  const name = new URL(databaseUrl).pathname.slice(1);
  await admin((client) => dropPostgresDatabase(client, name));
}

/** Runs SQL (quoted identifiers, `?` placeholders) on a test database directly, not through the service. */
export async function sqlOn<T = Record<string, unknown>>(databaseUrl: string, sql: string, params: unknown[] = []): Promise<T[]> {
  if (databaseUrl.startsWith('postgres')) return onServer(databaseUrl, async (client) => (await client.query(numberedPlaceholders(sql), params)).rows as T[]);
  const Sqlite = (await import('better-sqlite3')).default;
  const db = new Sqlite(databaseUrl.slice('file:'.length), { readonly: /^\s*select/i.test(sql) });
  try {
    const statement = db.prepare(sql);
    if (statement.reader) return statement.all(...params) as T[];
    statement.run(...params);
    return [];
  } finally {
    db.close();
  }
}

/**
 * Another process that takes the database's write lock for `ms`, then lets go:
 * SQLite's write lock, or on PostgreSQL an EXCLUSIVE lock on the Credential
 * table (reads go on, writes wait).
 */
export function holdWriteLock(databaseUrl: string, ms: number, cwd: string): Promise<{ released: Promise<void> }> {
  const script = databaseUrl.startsWith('postgres')
    ? `
    const pg = require('pg');
    const client = new pg.Client({ connectionString: ${JSON.stringify(databaseUrl)} });
    (async () => {
      await client.connect();
      await client.query('BEGIN');
      await client.query('LOCK TABLE "Credential" IN EXCLUSIVE MODE');
      process.stdout.write('locked\\n');
      setTimeout(async () => { await client.query('COMMIT'); await client.end(); process.stdout.write('released\\n'); }, ${ms});
    })();`
    : `
    const Sqlite = require('better-sqlite3');
    const db = new Sqlite(${JSON.stringify(databaseUrl.slice('file:'.length))});
    db.exec('BEGIN IMMEDIATE');
    process.stdout.write('locked\\n');
    setTimeout(() => { db.exec('COMMIT'); db.close(); process.stdout.write('released\\n'); }, ${ms});`;
  const child = spawn(process.execPath, ['-e', script], { cwd });
  return new Promise((resolveLocked) => {
    const released = new Promise<void>((r) => child.on('exit', () => r()));
    child.stdout.on('data', (d) => String(d).includes('locked') && resolveLocked({ released }));
  });
}

/**
 * Everything the database stores, as text to search: the SQLite file with its
 * WAL and shared memory, or on PostgreSQL every row of every table.
 */
export async function storedText(databaseUrl: string): Promise<string> {
  if (databaseUrl.startsWith('postgres')) {
    const tables = await sqlOn<{ name: string }>(databaseUrl, "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public'");
    const parts: string[] = [];
    for (const { name } of tables) {
      const rows = await sqlOn<{ row: string }>(databaseUrl, `SELECT row_to_json(t)::text AS row FROM "${name}" t`);
      parts.push(...rows.map((r) => r.row));
    }
    return parts.join('\n');
  }
  const { existsSync, readFileSync } = await import('node:fs');
  const file = databaseUrl.slice('file:'.length);
  return [file, `${file}-wal`, `${file}-shm`]
    .filter((f) => existsSync(f))
    .map((f) => readFileSync(f).toString('latin1'))
    .join('\n');
}
