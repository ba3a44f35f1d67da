import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { applyMigrations, MIGRATIONS_DIR, pendingMigrationSql, readMigrations } from '../src/db/migrate.js';

const dirs: string[] = [];
const scratch = () => {
  const dir = mkdtempSync(join(tmpdir(), 'credentials-migrate-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const committed = readMigrations().migrationDirectories.map((d) => d.path);

describe('migration runner', () => {
  it('migrates an empty database file, recording each migration as prisma migrate deploy does', async () => {
    const file = join(scratch(), 'sub', 'db.sqlite');
    mkdirSync(join(file, '..'), { recursive: true });
    expect(await applyMigrations(`file:${file}`)).toEqual(committed);
    const db = new Sqlite(file, { readonly: true });
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all();
    expect(tables).toEqual(expect.arrayContaining(['AccessToken', 'Credential', 'User', '_prisma_migrations']));
    const rows = db.prepare('SELECT migration_name, checksum, finished_at, rolled_back_at, applied_steps_count FROM _prisma_migrations ORDER BY migration_name').all() as any[];
    expect(rows.map((r) => r.migration_name)).toEqual(committed);
    for (const row of rows) {
      // Prisma's checksum: SHA-256 of the migration.sql file, hex.
      const sql = readFileSync(join(MIGRATIONS_DIR, row.migration_name, 'migration.sql'));
      expect(row.checksum).toBe(createHash('sha256').update(sql).digest('hex'));
      expect(row.finished_at).not.toBeNull();
      expect(row.rolled_back_at).toBeNull();
      expect(row.applied_steps_count).toBe(1);
    }
    db.close();
  });

  it('applies nothing to an already migrated database, and keeps its data', async () => {
    const file = join(scratch(), 'db.sqlite');
    await applyMigrations(`file:${file}`);
    const db = new Sqlite(file);
    db.prepare("INSERT INTO User (id, name) VALUES ('u1', 'kept')").run();
    db.close();
    expect(await applyMigrations(`file:${file}`)).toEqual([]);
    const again = new Sqlite(file, { readonly: true });
    expect(again.prepare('SELECT name FROM User').pluck().all()).toEqual(['kept']);
    again.close();
  });

  it('brings an older database up to date with only the migrations it lacks', async () => {
    const dir = scratch();
    const migrations = join(dir, 'migrations');
    cpSync(MIGRATIONS_DIR, migrations, { recursive: true });
    const file = join(dir, 'db.sqlite');
    await applyMigrations(`file:${file}`, migrations);
    mkdirSync(join(migrations, '29990101000000_add_note'));
    writeFileSync(join(migrations, '29990101000000_add_note', 'migration.sql'), 'ALTER TABLE "Credential" ADD COLUMN "note" TEXT;\n');
    expect(await applyMigrations(`file:${file}`, migrations)).toEqual(['29990101000000_add_note']);
    const db = new Sqlite(file, { readonly: true });
    const columns = (db.prepare('PRAGMA table_info("Credential")').all() as { name: string }[]).map((c) => c.name);
    expect(columns).toContain('note');
    db.close();
  });

  it('stops with the database error when a migration cannot be applied', async () => {
    const dir = scratch();
    const migrations = join(dir, 'migrations');
    cpSync(MIGRATIONS_DIR, migrations, { recursive: true });
    const file = join(dir, 'db.sqlite');
    await applyMigrations(`file:${file}`, migrations);
    mkdirSync(join(migrations, '29990101000000_bad'));
    writeFileSync(join(migrations, '29990101000000_bad', 'migration.sql'), 'ALTER TABLE "Nope" ADD COLUMN "x" TEXT;\n');
    await expect(applyMigrations(`file:${file}`, migrations)).rejects.toThrow(/Nope/);
  });
});

describe('committed migrations', () => {
  it('match prisma/schema.prisma (run `npm run db:migration -- <name>` after changing the models)', async () => {
    expect(await pendingMigrationSql()).toBe('');
  });
});

describe('start-up on a migrated database', () => {
  it('does not need the exclusive lock of the schema engine, so it works while another process has the file open', async () => {
    const file = join(scratch(), 'db.sqlite');
    await applyMigrations(`file:${file}`);
    const other = new Sqlite(file);
    other.pragma('journal_mode = WAL');
    other.prepare('SELECT count(*) FROM User').get();
    other.exec('BEGIN'); // a reader with an open transaction, as a busy server has
    other.prepare('SELECT count(*) FROM Credential').get();
    try {
      expect(await applyMigrations(`file:${file}`)).toEqual([]);
    } finally {
      other.exec('COMMIT');
      other.close();
    }
  });
});
