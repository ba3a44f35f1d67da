import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { hashToken } from '../../src/features/accounts/use-cases/tokens.js';
import { sealingContext } from '../../src/features/credentials/rules/sealing.js';
import { applyMigrations, MIGRATIONS_DIR, pendingMigrationSql, readMigrations } from '../../src/platform/db/migrate.js';
import { prismaFiles } from '../../src/platform/db/paths.js';
import { generateKey, keyRingFromFile, writeKeyFile } from '../../src/platform/secrets/keyring.js';
import { POSTGRES_MIGRATIONS_DIR, POSTGRES_SCHEMA_PATH, postgresSchema } from '../../tools/postgres-schema.js';
import { dropDatabase, freshDatabaseUrl, onPostgres, sqlOn } from '../helpers/database.js';
import { storedSecrets } from '../helpers/fixtures.js';
import { rest } from '../helpers/rest.js';
import { gql, startServer } from '../helpers/server.js';

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
    const rows = db
      .prepare('SELECT migration_name, checksum, finished_at, rolled_back_at, applied_steps_count FROM _prisma_migrations ORDER BY migration_name')
      .all() as any[];
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

describe('the PostgreSQL schema and migrations', () => {
  it('prisma/postgres/schema.prisma is derived from prisma/schema.prisma (run `npm run db:postgres-schema` after changing it)', () => {
    expect(readFileSync(POSTGRES_SCHEMA_PATH, 'utf8')).toBe(postgresSchema());
  });

  // (Needs a PostgreSQL server: runs in the suite's PostgreSQL run.)
  it.runIf(onPostgres)('build the same tables, columns, keys and indexes as the SQLite migrations', async () => {
    const sqliteUrl = `file:${join(scratch(), 'db.sqlite')}`;
    await applyMigrations(sqliteUrl);
    const postgresUrl = await freshDatabaseUrl(scratch());
    try {
      expect(await applyMigrations(postgresUrl)).toEqual(readMigrations(POSTGRES_MIGRATIONS_DIR).migrationDirectories.map((d) => d.path));
      const sqlite = await structureOf(sqliteUrl);
      expect(Object.keys(sqlite)).toEqual([
        'AccessToken',
        'AuditEvent',
        'Credential',
        'CredentialVersion',
        'KeyCheck',
        'Lease',
        'Organization',
        'OrganizationMember',
        'Pairing',
        'PipelineSecret',
        'PipelineSecretVersion',
        'ProbeBackoff',
        'Session',
        'SigningKey',
        'User',
        'Webhook',
        'WebhookDelivery',
        'Workspace',
        'WorkspaceParticipant',
      ]);
      expect(await structureOf(postgresUrl)).toEqual(sqlite);
    } finally {
      await dropDatabase(postgresUrl);
    }
  });
});

/**
 * Tables → columns (name, nullability, default present; primary key marked) and
 * indexes other than the primary key's (unique, columns in order), in a form
 * both databases give. (An autoincrement key is a sequence default in PostgreSQL.)
 */
async function structureOf(databaseUrl: string): Promise<Record<string, { columns: string[]; indexes: string[] }>> {
  const structure: Record<string, { columns: string[]; indexes: string[] }> = {};
  const postgres = databaseUrl.startsWith('postgres');
  const tables = postgres
    ? await sqlOn<{ name: string }>(
        databaseUrl,
        "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' AND tablename <> '_prisma_migrations' ORDER BY tablename",
      )
    : await sqlOn<{ name: string }>(
        databaseUrl,
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_%' ESCAPE '\\' AND name <> 'sqlite_sequence' ORDER BY name",
      );
  for (const { name } of tables) {
    const columns = postgres
      ? await sqlOn<{ name: string; notnull: boolean; dflt: string | null; pk: boolean }>(
          databaseUrl,
          `SELECT c.column_name AS name, c.is_nullable = 'NO' AS notnull,
                  CASE WHEN c.column_default LIKE 'nextval(%' THEN NULL ELSE c.column_default END AS dflt,
                  EXISTS (SELECT 1 FROM information_schema.key_column_usage k JOIN information_schema.table_constraints t USING (constraint_name, table_name)
                          WHERE t.constraint_type = 'PRIMARY KEY' AND k.table_name = c.table_name AND k.column_name = c.column_name) AS pk
             FROM information_schema.columns c WHERE c.table_name = ?`,
          [name],
        )
      : await sqlOn<{ name: string; notnull: number; dflt: string | null; pk: number }>(
          databaseUrl,
          'SELECT name, "notnull" OR pk AS "notnull", dflt_value AS dflt, pk FROM pragma_table_info(?)',
          [name],
        );
    const indexes = postgres
      ? (await sqlOn<{ def: string }>(databaseUrl, "SELECT indexdef AS def FROM pg_indexes WHERE tablename = ? AND indexname NOT LIKE '%\\_pkey'", [name])).map(
          ({ def }) => `${/UNIQUE/.test(def) ? 'unique ' : ''}${/\((.*)\)/.exec(def)![1]!.replace(/"/g, '')}`,
        )
      : await Promise.all(
          (await sqlOn<{ name: string; unique: number }>(databaseUrl, 'SELECT name, "unique" FROM pragma_index_list(?) WHERE origin <> ?', [name, 'pk'])).map(
            async (index) => `${index.unique ? 'unique ' : ''}${await sqliteIndexColumns(databaseUrl, index.name)}`,
          ),
        );
    structure[name] = {
      columns: columns.map((c) => `${c.name}${c.pk ? ' primary key' : ''}${c.notnull ? ' not null' : ''}${c.dflt === null ? '' : ' default'}`).sort(),
      indexes: indexes.sort(),
    };
  }
  return structure;
}

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

describe('upgrading a database of the previous release', () => {
  it('migrates a database with personal credentials and tokens, and serves them unchanged', async () => {
    const dir = scratch();
    const provider = onPostgres ? 'postgresql' : 'sqlite';
    const { migrationsDir } = prismaFiles(provider);
    // The previous release: every migration before the one that brought workspaces.
    const previous = join(dir, 'previous');
    mkdirSync(previous);
    for (const name of readdirSync(migrationsDir)) {
      if (name.endsWith('_workspaces')) break;
      cpSync(join(migrationsDir, name), join(previous, name), { recursive: true });
    }
    const databaseUrl = await freshDatabaseUrl(dir);
    await applyMigrations(databaseUrl, previous);
    // What that release stored: a user, a token (its hash), a personal credential with a sealed secret.
    const keyFile = join(dir, 'keys', 'master-keys.json');
    const key = generateKey();
    writeKeyFile(keyFile, { primary: key.id, keys: new Map([[key.id, key.key]]) });
    const ring = keyRingFromFile(keyFile);
    const token = `cst_${'u'.repeat(43)}`;
    const at = onPostgres ? '2026-01-02T03:04:05.678' : '2026-01-02T03:04:05.678+00:00';
    const secret = ring.seal(
      JSON.stringify({ token: 'old-release-secret' }),
      sealingContext({ id: 'C'.repeat(22), owner: { kind: 'user', id: 'olduser' }, provider: 'github' }),
    );
    await sqlOn(databaseUrl, `INSERT INTO "User" ("id", "name") VALUES ('olduser', 'veteran')`);
    await sqlOn(databaseUrl, `INSERT INTO "AccessToken" ("id", "userId", "name", "tokenHash") VALUES ('T${'t'.repeat(21)}', 'olduser', 'old', ?)`, [
      hashToken(token),
    ]);
    await sqlOn(
      databaseUrl,
      `INSERT INTO "Credential" ("id", "userId", "name", "activeName", "description", "provider", "keys", "secret", "dateCreated", "lastUpdated")
       VALUES (?, 'olduser', 'legacy', 'legacy', 'from before', 'github', '{"username":"octo"}', ?, ?, ?)`,
      ['C'.repeat(22), secret, at, at],
    );
    // This release: migrated at start, and everything served as before.
    const server = await startServer({ DATABASE_URL: databaseUrl, MASTER_KEY_FILE: keyFile });
    try {
      const described = await rest(server, token, 'GET', `/api/credentials/${'C'.repeat(22)}`);
      expect(described.status).toBe(200);
      expect(described.body.credentials).toMatchObject({
        id: 'C'.repeat(22),
        name: 'legacy',
        description: 'from before',
        provider: 'github',
        keys: { username: 'octo', token: null, discriminator: 'github' },
        dateCreated: '2026-01-02T03:04:05.678Z',
      });
      expect((await rest(server, token, 'GET', '/api/credentials')).body.credentials).toHaveLength(1);
      // The secret still opens, and an update that does not send it keeps it.
      expect(
        (
          await rest(server, token, 'PUT', `/api/credentials/${'C'.repeat(22)}`, {
            credentials: { name: 'legacy', provider: 'github', keys: { username: 'octo2' } },
          })
        ).status,
      ).toBe(204);
      expect(await storedSecrets(server, 'C'.repeat(22))).toEqual({ token: 'old-release-secret' });
      expect((await gql(server, token, '{ viewer { name organizations { id } } }')).body.data).toEqual({ viewer: { name: 'veteran', organizations: [] } });
    } finally {
      await server.close();
      await dropDatabase(databaseUrl);
    }
  });
});

describe('upgrading a database of the release before versions (0.8.0)', () => {
  it('serves its credentials unchanged, and their first change of key material records the state they had as version 1', async () => {
    const dir = scratch();
    const provider = onPostgres ? 'postgresql' : 'sqlite';
    const { migrationsDir } = prismaFiles(provider);
    const previous = join(dir, 'previous');
    mkdirSync(previous);
    for (const name of readdirSync(migrationsDir)) {
      if (name.endsWith('_history')) break;
      cpSync(join(migrationsDir, name), join(previous, name), { recursive: true });
    }
    const databaseUrl = await freshDatabaseUrl(dir);
    await applyMigrations(databaseUrl, previous);
    const keyFile = join(dir, 'keys', 'master-keys.json');
    const key = generateKey();
    writeKeyFile(keyFile, { primary: key.id, keys: new Map([[key.id, key.key]]) });
    const ring = keyRingFromFile(keyFile);
    const token = `cst_${'v'.repeat(43)}`;
    const id = 'D'.repeat(22);
    const at = onPostgres ? '2026-11-02T03:04:05.678' : '2026-11-02T03:04:05.678+00:00';
    const secret = ring.seal(JSON.stringify({ token: 'ghp_from-0.8.0' }), sealingContext({ id, owner: { kind: 'user', id: 'u080' }, provider: 'github' }));
    await sqlOn(databaseUrl, `INSERT INTO "User" ("id", "name") VALUES ('u080', 'eighty')`);
    await sqlOn(databaseUrl, `INSERT INTO "AccessToken" ("id", "userId", "name", "tokenHash") VALUES ('T${'v'.repeat(21)}', 'u080', 't', ?)`, [
      hashToken(token),
    ]);
    await sqlOn(
      databaseUrl,
      `INSERT INTO "Credential" ("id", "userId", "name", "activeName", "provider", "keys", "secret", "dateCreated", "lastUpdated", "status")
       VALUES (?, 'u080', 'kept', 'kept', 'github', '{"username":"octo"}', ?, ?, ?, 'INVALID')`,
      [id, secret, at, at],
    );
    const server = await startServer({ DATABASE_URL: databaseUrl, MASTER_KEY_FILE: keyFile });
    try {
      expect((await rest(server, token, 'GET', `/api/credentials/${id}`)).body.credentials).toMatchObject({
        name: 'kept',
        keys: { username: 'octo', token: null },
        status: 'INVALID',
        dateCreated: '2026-11-02T03:04:05.678Z',
        expiresAt: null,
        expiresAtSource: null,
      });
      expect((await rest(server, token, 'GET', `/api/credentials/${id}/versions`)).body.versions).toEqual([]);
      expect(
        (
          await rest(server, token, 'PUT', `/api/credentials/${id}`, {
            credentials: { name: 'kept', provider: 'github', keys: { username: 'octo', token: 'ghp_new' } },
          })
        ).status,
      ).toBe(204);
      const versions = (await rest(server, token, 'GET', `/api/credentials/${id}/versions`)).body.versions;
      expect(versions).toEqual([
        expect.objectContaining({ number: 2, actor: 'u080', changedFields: ['token'] }),
        { number: 1, dateCreated: '2026-11-02T03:04:05.678Z', actor: null, door: null, changedFields: [], restoredFrom: null },
      ]);
      expect((await rest(server, token, 'POST', `/api/credentials/${id}/versions/1/restore`)).status).toBe(204);
      expect(await storedSecrets(server, id)).toEqual({ token: 'ghp_from-0.8.0' });
    } finally {
      await server.close();
      await dropDatabase(databaseUrl);
    }
  });
});

/** An SQLite index's columns, or its expression as written (`lower(name)`) when it indexes one. */
async function sqliteIndexColumns(databaseUrl: string, index: string): Promise<string> {
  const columns = await sqlOn<{ name: string | null }>(databaseUrl, 'SELECT name FROM pragma_index_info(?) ORDER BY seqno', [index]);
  if (columns.every((c) => c.name !== null)) return columns.map((c) => c.name).join(', ');
  const [row] = await sqlOn<{ sql: string }>(databaseUrl, "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?", [index]);
  return /\((.*)\)\s*$/.exec(row!.sql)![1]!.replace(/"/g, '');
}
