/**
 * Backups of the database, as files: a consistent online snapshot of a running
 * SQLite database (SQLite's online backup API, on a connection of its own: the
 * service keeps reading and writing), or of PostgreSQL (`pg_dump`, custom
 * format); reading the sealed values a snapshot holds (read-only, for
 * verification); and putting a SQLite snapshot in place of a database file.
 * Master keys are never part of a backup: they are not in the database.
 * Every file written here is created readable by its owner alone (0600),
 * whatever the umask: it holds sealed secrets and token hashes.
 */
import { spawn } from 'node:child_process';
import { closeSync, createReadStream, createWriteStream, existsSync, fsyncSync, openSync, readSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import Sqlite from 'better-sqlite3';
import { BUSY_TIMEOUT_MS } from '../../../platform/db/client.js';
import type { SnapshotContents, SnapshotKind, SnapshotSealedValue } from '../model.js';

/** What a backup file is, by its first bytes. */
export function snapshotKind(file: string): SnapshotKind {
  const fd = openSync(file, 'r');
  try {
    const head = Buffer.alloc(16);
    readSync(fd, head, 0, 16, 0);
    if (head.toString('latin1') === 'SQLite format 3\0') return 'sqlite';
    if (head.subarray(0, 5).toString('latin1') === 'PGDMP') return 'pg_dump';
    return 'unknown';
  } finally {
    closeSync(fd);
  }
}

/**
 * Copies the SQLite database at `source` to `destination` (which must not
 * exist) while it is in use: the online backup API, a few steps for the
 * progress, then, should a write restart it, the rest in one step (one read
 * transaction: the writers of WAL mode go on). The copy is made standalone
 * (rollback journal, no -wal file), written beside the destination, synced,
 * and renamed into place: a failed backup leaves no half file.
 */
export async function backupSqlite(source: string, destination: string, progress: (done: number, total: number) => void = () => {}): Promise<void> {
  const partial = join(dirname(destination), `.${basename(destination)}.partial`);
  rmSync(partial, { force: true });
  // Created 0600 before SQLite writes a page into it (SQLite keeps an existing file's mode).
  createPrivateFile(partial);
  const db = new Sqlite(source, { readonly: true, fileMustExist: true, timeout: BUSY_TIMEOUT_MS });
  try {
    let remainingBefore = Number.POSITIVE_INFINITY;
    let restarted = false;
    await db.backup(partial, {
      progress({ totalPages, remainingPages }) {
        progress(totalPages - remainingPages, totalPages);
        // More to copy than before: a write restarted it; copy the rest in one step.
        if (remainingPages > remainingBefore) restarted = true;
        remainingBefore = remainingPages;
        return restarted ? Math.max(totalPages, 1) : Math.max(100, Math.ceil(totalPages / 20));
      },
    });
  } catch (error) {
    rmSync(partial, { force: true });
    throw error;
  } finally {
    db.close();
  }
  const copy = new Sqlite(partial);
  try {
    copy.pragma('journal_mode = DELETE');
    // Leases are the running servers' (who runs a background job now): they mean nothing in a snapshot.
    copy.prepare('DELETE FROM "Lease"').run();
  } finally {
    copy.close();
  }
  syncFile(partial);
  renameSync(partial, destination);
  syncFile(dirname(destination));
}

/** Runs pg_dump (custom format) of `databaseUrl` into `destination`; a clear error when pg_dump is not installed. */
export function dumpPostgres(databaseUrl: string, destination: string): Promise<void> {
  // The password goes in the environment, not on the command line (where `ps` shows it).
  const url = new URL(databaseUrl);
  const password = decodeURIComponent(url.password);
  url.password = '';
  // Leases are the running servers' (who runs a background job now): their rows are not in the dump.
  const args = ['--format=custom', '--no-owner', '--exclude-table-data="Lease"', `--file=${destination}`, `--dbname=${url.toString()}`];
  // Created 0600 first: pg_dump writes into it and keeps its mode.
  createPrivateFile(destination);
  return run('pg_dump', args, password ? { PGPASSWORD: password } : {}).then(
    () => undefined,
    (error) => {
      rmSync(destination, { force: true });
      throw error;
    },
  );
}

/** Creates `path` (it must not exist) readable and writable by its owner alone, whatever the umask. */
export function createPrivateFile(path: string): void {
  closeSync(openSync(path, 'wx', 0o600));
}

/** Copies `source` to `destination` (which must not exist), created 0600. */
async function copyPrivately(source: string, destination: string): Promise<void> {
  await pipeline(createReadStream(source), createWriteStream(destination, { flags: 'wx', mode: 0o600 }));
}

/** The sealed values and counts of a pg_dump file, read with pg_restore (no database needed). */
export async function readPostgresDump(file: string): Promise<{ values: SnapshotSealedValue[]; contents: SnapshotContents }> {
  const script = await run('pg_restore', ['--data-only', '--file=-', file]);
  const tables = copyBlocks(script);
  const credentials = tables.get('Credential') ?? [];
  const versions = tables.get('CredentialVersion') ?? [];
  const byId = new Map(credentials.map((c) => [c.id!, c]));
  const owner = (c: Record<string, string | null>) => ({
    userId: c.userId ?? null,
    workspaceId: c.workspaceId === null || c.workspaceId === undefined ? null : Number(c.workspaceId),
  });
  const values: SnapshotSealedValue[] = [];
  for (const c of credentials) if (c.secret) values.push({ id: c.id!, ...owner(c), provider: c.provider!, version: null, secret: c.secret });
  for (const v of versions) {
    const c = byId.get(v.credentialId!);
    if (c && v.secret) values.push({ id: c.id!, ...owner(c), provider: c.provider!, version: Number(v.number), secret: v.secret });
  }
  const secrets = tables.get('PipelineSecret') ?? [];
  for (const s of secrets) {
    if (s.secret) values.push({ id: s.id!, ...owner(s), provider: 'pipeline-secret', version: null, secret: s.secret, pipelineSecret: true });
  }
  const secretsById = new Map(secrets.map((s) => [s.id!, s]));
  for (const v of tables.get('PipelineSecretVersion') ?? []) {
    const s = secretsById.get(v.secretId!);
    if (s && v.value) values.push({ id: s.id!, ...owner(s), provider: 'pipeline-secret', version: Number(v.number), secret: v.value, pipelineSecret: true });
  }
  const migrations = (tables.get('_prisma_migrations') ?? []).filter((m) => m.finished_at !== null).map((m) => m.migration_name!);
  return {
    values,
    contents: {
      credentials: credentials.filter((c) => c.deleted === null).length,
      deletedCredentials: credentials.filter((c) => c.deleted !== null && c.purged === null).length,
      versions: versions.length,
      users: (tables.get('User') ?? []).length,
      workspaces: (tables.get('Workspace') ?? []).length,
      auditEvents: (tables.get('AuditEvent') ?? []).length,
      migration: migrations.sort().at(-1) ?? null,
    },
  };
}

/** The rows of each table's COPY block of a plain SQL script (text format: tabs, \N for NULL, backslash escapes). */
function copyBlocks(script: string): Map<string, Record<string, string | null>[]> {
  const tables = new Map<string, Record<string, string | null>[]>();
  const lines = script.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const header = /^COPY (?:public\.)?"?([A-Za-z_]+)"? \((.*)\) FROM stdin;$/.exec(lines[i]!);
    if (!header) continue;
    const columns = header[2]!.split(', ').map((c) => c.replace(/"/g, ''));
    const rows: Record<string, string | null>[] = [];
    for (i++; i < lines.length && lines[i] !== '\\.'; i++) {
      const fields = lines[i]!.split('\t');
      rows.push(Object.fromEntries(columns.map((c, n) => [c, fields[n] === '\\N' ? null : unescapeCopy(fields[n] ?? '')])));
    }
    tables.set(header[1]!, rows);
  }
  return tables;
}

const unescapeCopy = (text: string) =>
  text.replace(/\\(.)/g, (_all, c: string) => ({ n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', v: '\v', '\\': '\\' })[c] ?? c);

/** A SQLite snapshot, opened read-only: its sealed values and counts. */
export function readSqliteSnapshot(file: string): { values: SnapshotSealedValue[]; contents: SnapshotContents; integrity: string } {
  const db = new Sqlite(file, { readonly: true, fileMustExist: true });
  try {
    const integrity = (db.pragma('quick_check', { simple: true }) as string) ?? 'unknown';
    const values = [
      ...(db
        .prepare('SELECT "id", "userId", "workspaceId", "provider", NULL AS "version", "secret" FROM "Credential" WHERE "secret" IS NOT NULL')
        .all() as SnapshotSealedValue[]),
      ...(db
        .prepare(
          `SELECT c."id", c."userId", c."workspaceId", c."provider", v."number" AS "version", v."secret"
           FROM "CredentialVersion" v JOIN "Credential" c ON c."id" = v."credentialId" WHERE v."secret" IS NOT NULL`,
        )
        .all() as SnapshotSealedValue[]),
    ];
    // Pipeline secrets' values (a snapshot from before their migration has no such table).
    if (db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'PipelineSecret'`).get()) {
      const rows = db
        .prepare(`SELECT CAST("id" AS TEXT) AS "id", "userId", "workspaceId", "secret" FROM "PipelineSecret" WHERE "secret" IS NOT NULL`)
        .all() as {
        id: string;
        userId: string | null;
        workspaceId: number | null;
        secret: string;
      }[];
      for (const r of rows) values.push({ ...r, provider: 'pipeline-secret', version: null, pipelineSecret: true });
      const versions = db
        .prepare(
          `SELECT CAST(s."id" AS TEXT) AS "id", s."userId", s."workspaceId", v."number" AS "version", v."value" AS "secret"
           FROM "PipelineSecretVersion" v JOIN "PipelineSecret" s ON s."id" = v."secretId" WHERE v."value" IS NOT NULL`,
        )
        .all() as { id: string; userId: string | null; workspaceId: number | null; version: number; secret: string }[];
      for (const v of versions) values.push({ ...v, provider: 'pipeline-secret', pipelineSecret: true });
    }
    const count = (sql: string) => (db.prepare(sql).pluck().get() as number) ?? 0;
    const contents: SnapshotContents = {
      credentials: count('SELECT count(*) FROM "Credential" WHERE "deleted" IS NULL'),
      deletedCredentials: count('SELECT count(*) FROM "Credential" WHERE "deleted" IS NOT NULL AND "purged" IS NULL'),
      versions: count('SELECT count(*) FROM "CredentialVersion"'),
      users: count('SELECT count(*) FROM "User"'),
      workspaces: count('SELECT count(*) FROM "Workspace"'),
      auditEvents: count('SELECT count(*) FROM "AuditEvent"'),
      migration: (db.prepare('SELECT max(migration_name) FROM _prisma_migrations WHERE finished_at IS NOT NULL').pluck().get() as string | null) ?? null,
    };
    return { values, contents, integrity };
  } finally {
    db.close();
  }
}

/** Whether a server holds the upkeep lease of the SQLite database at `file` now (a running service on it). */
export function leaseHeldUntil(file: string, lease: string, now: number): number | undefined {
  if (!existsSync(file)) return undefined;
  const db = new Sqlite(file, { readonly: true, fileMustExist: true, timeout: BUSY_TIMEOUT_MS });
  try {
    const row = db.prepare('SELECT "until" FROM "Lease" WHERE "name" = ? AND "holder" <> \'\'').get(lease) as { until: number | bigint } | undefined;
    const until = row ? Number(row.until) : undefined;
    return until !== undefined && until > now ? until : undefined;
  } catch {
    return undefined; // no Lease table: not a database of this service's, or an empty one
  } finally {
    db.close();
  }
}

/**
 * Puts the snapshot `file` in place of the SQLite database `target`: copied
 * beside it and synced, the target's -wal and -shm removed, then renamed over
 * it (one rename: the target is the old database or the new one, never a mix).
 * The old file is kept as `<target>.before-restore-<time>` when there was one (both 0600).
 */
export async function replaceSqliteDatabase(file: string, target: string, now: Date): Promise<string | undefined> {
  const incoming = join(dirname(target), `.${basename(target)}.restoring`);
  await copyPrivately(file, incoming);
  syncFile(incoming);
  let kept: string | undefined;
  if (existsSync(target)) {
    kept = `${target}.before-restore-${now.toISOString().replace(/[:.]/g, '-')}`;
    await copyPrivately(target, kept);
    syncFile(kept);
  }
  // Leases held when the snapshot was taken (one made before backups cleared them) are no server's now.
  const db = new Sqlite(incoming);
  try {
    db.prepare('DELETE FROM "Lease"').run();
  } finally {
    db.close();
  }
  syncFile(incoming);
  for (const suffix of ['-wal', '-shm', '-journal']) rmSync(`${target}${suffix}`, { force: true });
  renameSync(incoming, target);
  syncFile(dirname(target));
  return kept;
}

function syncFile(path: string): void {
  const fd = openSync(path, statSync(path).isDirectory() ? 'r' : 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Runs a PostgreSQL client tool; its stdout, or an error naming what went wrong (not installed, or its own message). */
function run(command: string, args: string[], env: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => {
      if (err.length < 4000) err += chunk.toString('utf8');
    });
    child.on('error', (error: NodeJS.ErrnoException) =>
      reject(
        new BackupToolMissing(
          error.code === 'ENOENT'
            ? `${command} is not installed (PostgreSQL's client tools: apt install postgresql-client)`
            : `${command} failed: ${error.message}`,
        ),
      ),
    );
    child.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out).toString('utf8'));
      // The tool's message names the problem; the URL (and its password) is not repeated here.
      else reject(new BackupToolMissing(`${command} failed (exit ${code}): ${err.trim().split('\n').slice(0, 3).join(' ') || 'no message'}`));
    });
  });
}

/** A PostgreSQL client tool is missing or failed. */
export class BackupToolMissing extends Error {
  override name = 'BackupToolMissing';
}
