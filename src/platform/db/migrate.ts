/**
 * Applies the committed migrations (prisma/migrations, Prisma's own format) at
 * start-up. The `_prisma_migrations` table is kept exactly as `prisma migrate
 * deploy` keeps it, so either tool can migrate a database further.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import type { MigrationList } from '@prisma/schema-engine-wasm';
import Sqlite from 'better-sqlite3';
import { providerOf, sqlitePath } from '../../infra/database-url.js';
import { BUSY_TIMEOUT_MS, pgDriver, postgresAdapter, privateDatabaseFile, sqliteAdapter } from './client.js';
import { MIGRATIONS_DIR, prismaFiles, SCHEMA_PATH } from './paths.js';
import { withSchemaEngine } from './schema-engine.js';

export { MIGRATIONS_DIR, PRISMA_DIR, SCHEMA_PATH } from './paths.js';

export function readMigrations(dir = MIGRATIONS_DIR): MigrationList {
  const lockPath = join(dir, 'migration_lock.toml');
  const names = existsSync(dir)
    ? readdirSync(dir, { withFileTypes: true })
        .filter((d) => d.isDirectory())
        .map((d) => d.name)
        .sort()
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
          content: existsSync(file) ? { tag: 'ok' as const, value: readFileSync(file, 'utf8') } : { tag: 'error' as const, value: `${file} is missing` },
        },
      };
    }),
  };
}

interface AppliedRow {
  name: string;
  finished: unknown;
  rolledBack: unknown;
}

/** The committed migrations the rows of `_prisma_migrations` lack, or hold unfinished (in order). */
function missingMigrations(rows: AppliedRow[] | undefined, migrations: MigrationList): string[] {
  const applied = new Set((rows ?? []).filter((r) => r.finished !== null && r.rolledBack === null).map((r) => r.name));
  const unfinished = (rows ?? []).filter((r) => r.finished === null && r.rolledBack === null).map((r) => r.name);
  return [...new Set([...unfinished, ...migrations.migrationDirectories.map((d) => d.path).filter((name) => !applied.has(name))])];
}

const APPLIED_SQL = 'SELECT migration_name AS name, finished_at AS finished, rolled_back_at AS "rolledBack" FROM _prisma_migrations';

/**
 * The committed migrations the database lacks (or holds unfinished), in order;
 * empty when it is current. Read without the schema engine: on SQLite the
 * engine locks the database file exclusively, which fails while another
 * process (a running server) has it open.
 */
export async function pendingMigrations(
  databaseUrl: string,
  migrations = readMigrations(prismaFiles(providerOf(databaseUrl)).migrationsDir),
): Promise<string[]> {
  if (providerOf(databaseUrl) === 'postgresql') {
    const client = new (pgDriver().Client)({ connectionString: databaseUrl });
    await client.connect();
    try {
      const exists = await client.query("SELECT to_regclass('_prisma_migrations') IS NOT NULL AS present");
      const rows = exists.rows[0].present ? (await client.query<AppliedRow>(APPLIED_SQL)).rows : undefined;
      return missingMigrations(rows, migrations);
    } finally {
      await client.end();
    }
  }
  const path = sqlitePath(databaseUrl);
  if (!existsSync(path)) return missingMigrations(undefined, migrations);
  const db = new Sqlite(path, { readonly: true, timeout: BUSY_TIMEOUT_MS });
  try {
    const hasTable = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_prisma_migrations'").get();
    return missingMigrations(hasTable ? (db.prepare(APPLIED_SQL).all() as AppliedRow[]) : undefined, migrations);
  } finally {
    db.close();
  }
}

/** True when the database lacks a committed migration, or holds an unfinished one. */
export async function needsMigration(databaseUrl: string, migrations: MigrationList): Promise<boolean> {
  return (await pendingMigrations(databaseUrl, migrations)).length > 0;
}

/** How long a start waits for another instance's migration on SQLite. */
const SQLITE_MIGRATION_WAIT_MS = 120_000;

/**
 * SQLite's turn: an exclusive transaction on a lock file beside the database (`<database>-migrate.lock`, empty,
 * private as the database is; the engine locks the database file itself, so the lock cannot be there). The
 * operating system lets it go with the process, should one die while migrating.
 */
async function inSqliteTurn<T>(databaseUrl: string, work: () => Promise<T>): Promise<T> {
  const path = `${sqlitePath(databaseUrl)}-migrate.lock`;
  privateDatabaseFile(path);
  const lock = new Sqlite(path, { timeout: SQLITE_MIGRATION_WAIT_MS });
  try {
    lock.exec('BEGIN EXCLUSIVE');
    return await work();
  } finally {
    if (lock.inTransaction) lock.exec('ROLLBACK');
    lock.close();
  }
}

/** Any constant: the key of the PostgreSQL advisory lock that instances starting together take in turn. */
const MIGRATION_LOCK = 7_270_736_901;

/** PostgreSQL's turn: an advisory lock, held by a connection of its own (let go with it). */
async function inPostgresTurn<T>(databaseUrl: string, work: () => Promise<T>): Promise<T> {
  const lock = new (pgDriver().Client)({ connectionString: databaseUrl });
  await lock.connect();
  try {
    await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    return await work();
  } finally {
    await lock.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => {});
    await lock.end();
  }
}

/** Applies every migration not yet applied; returns the names applied now. */
export async function applyMigrations(databaseUrl: string, migrationsDir?: string): Promise<string[]> {
  const provider = providerOf(databaseUrl);
  const files = prismaFiles(provider);
  const migrationsList = readMigrations(migrationsDir ?? files.migrationsDir);
  if (!(await needsMigration(databaseUrl, migrationsList))) return [];
  const apply = async () => {
    const postgres = provider === 'postgresql' ? postgresAdapter(databaseUrl, { size: 2 }) : undefined;
    try {
      return await withSchemaEngine(files.schemaPath, postgres?.adapter ?? sqliteAdapter(databaseUrl), async (engine) => {
        const { appliedMigrationNames } = await engine.applyMigrations({
          migrationsList,
          filters: { externalTables: [], externalEnums: [] },
        });
        return appliedMigrationNames;
      });
    } finally {
      await postgres?.pool.end();
    }
  };
  // Several instances may start at once on one database (two schema engines at once fail, or record a migration as
  // failed): they take turns, and in its turn each looks again: one migrates, the others find nothing to do.
  const inTurn = provider === 'sqlite' ? inSqliteTurn : inPostgresTurn;
  return inTurn(databaseUrl, async () => ((await needsMigration(databaseUrl, migrationsList)) ? apply() : []));
}

/**
 * The SQL that takes a SQLite database from the committed migrations to the
 * models of prisma/schema.prisma; empty when the migrations are current. The
 * engine replays the migrations on a scratch (shadow) database file.
 * (PostgreSQL migrations are written by hand from this SQL: the engine cannot
 * read a live PostgreSQL schema through the pg adapter. A test applies them and
 * compares the tables, columns and indexes with the models.)
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
