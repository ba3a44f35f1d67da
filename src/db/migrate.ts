/**
 * Applies the committed migrations (prisma/migrations, Prisma's own format) at
 * start-up. The `_prisma_migrations` table is kept exactly as `prisma migrate
 * deploy` keeps it, so either tool can migrate a database further.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import type { MigrationList } from '@prisma/schema-engine-wasm';
import Sqlite from 'better-sqlite3';
import { BUSY_TIMEOUT_MS, sqliteAdapter, sqlitePath } from './client.js';
import { withSchemaEngine } from './schema-engine.js';

export const PRISMA_DIR = resolve(import.meta.dirname, '../../prisma');
export const SCHEMA_PATH = join(PRISMA_DIR, 'schema.prisma');
export const MIGRATIONS_DIR = join(PRISMA_DIR, 'migrations');

export function readMigrations(dir = MIGRATIONS_DIR): MigrationList {
  const lockPath = join(dir, 'migration_lock.toml');
  const names = existsSync(dir)
    ? readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort()
    : [];
  return {
    baseDir: dir,
    lockfile: { path: 'migration_lock.toml', content: existsSync(lockPath) ? readFileSync(lockPath, 'utf8') : null },
    shadowDbInitScript: '',
    migrationDirectories: names.map((name) => {
      const file = join(dir, name, 'migration.sql');
      return {
        path: name,
        migrationFile: {
          path: 'migration.sql',
          content: existsSync(file)
            ? { tag: 'ok' as const, value: readFileSync(file, 'utf8') }
            : { tag: 'error' as const, value: `${file} is missing` },
        },
      };
    }),
  };
}

/**
 * True when the database lacks a committed migration, or holds an unfinished
 * one. Read without the schema engine: the engine locks the database file
 * exclusively, which fails while another process (a running server) has it open.
 */
export function needsMigration(databaseUrl: string, migrations: MigrationList): boolean {
  const path = sqlitePath(databaseUrl);
  if (!existsSync(path)) return true;
  const db = new Sqlite(path, { readonly: true, timeout: BUSY_TIMEOUT_MS });
  try {
    const hasTable = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_prisma_migrations'").get();
    if (!hasTable) return true;
    const rows = db
      .prepare('SELECT migration_name AS name, finished_at AS finished, rolled_back_at AS rolledBack FROM _prisma_migrations')
      .all() as { name: string; finished: string | null; rolledBack: string | null }[];
    if (rows.some((r) => r.finished === null && r.rolledBack === null)) return true;
    const applied = new Set(rows.filter((r) => r.finished !== null && r.rolledBack === null).map((r) => r.name));
    return migrations.migrationDirectories.some((d) => !applied.has(d.path));
  } finally {
    db.close();
  }
}

/** Applies every migration not yet applied; returns the names applied now. */
export async function applyMigrations(databaseUrl: string, migrationsDir = MIGRATIONS_DIR): Promise<string[]> {
  const migrationsList = readMigrations(migrationsDir);
  if (!needsMigration(databaseUrl, migrationsList)) return [];
  return withSchemaEngine(SCHEMA_PATH, sqliteAdapter(databaseUrl), async (engine) => {
    const { appliedMigrationNames } = await engine.applyMigrations({
      migrationsList,
      filters: { externalTables: [], externalEnums: [] },
    });
    return appliedMigrationNames;
  });
}

/**
 * The SQL that takes a database from the committed migrations to the models of
 * prisma/schema.prisma; empty when the migrations are current. The engine
 * replays the migrations on a scratch (shadow) database file.
 */
export async function pendingMigrationSql(migrationsDir = MIGRATIONS_DIR): Promise<string> {
  const scratch = mkdtempSync(join(tmpdir(), 'credentials-migration-'));
  try {
    const adapter = new PrismaBetterSqlite3({ url: join(scratch, 'main.db') }, { shadowDatabaseUrl: join(scratch, 'shadow.db') });
    const migrations = readMigrations(migrationsDir);
    const { stdout } = await withSchemaEngine(SCHEMA_PATH, adapter, (engine) =>
      engine.diff({
        from: migrations.migrationDirectories.length > 0 ? { tag: 'migrations', ...migrations } : { tag: 'empty' },
        to: { tag: 'schemaDatamodel', files: [{ path: SCHEMA_PATH, content: readFileSync(SCHEMA_PATH, 'utf8') }] },
        script: true,
        exitCode: null,
        filters: { externalTables: [], externalEnums: [] },
      }),
    );
    const sql = stdout ?? '';
    return /^\s*(-- This is an empty migration\.)?\s*$/.test(sql) ? '' : sql;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
