/**
 * The operator's backup and restore (CLI `backup`, `backup verify`, `restore`):
 * a consistent snapshot of the running service's database, never its master
 * keys, with a MAC beside it (`<file>.mac`, keyed from the master keys) over
 * its whole content; a proof that a snapshot is the one the service wrote and
 * opens with given keys; and putting a snapshot in place, only after that
 * proof (an unverified one only when told), and not over a live database
 * unless told. Each is audited (`database.backup` in the backed-up database,
 * `database.restore` in the restored one). Files are written 0600.
 */
import { closeSync, createReadStream, existsSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Config } from '../../../infra/config/index.js';
import { providerOf, sqlitePath } from '../../../infra/database-url.js';
import { type KeyRing, keyRingFromFile, keyRingFromText } from '../../../platform/secrets/keyring.js';
import { UPKEEP_LEASE } from '../../credentials/index.js';
import type { SnapshotContents, SnapshotSealedValue } from '../model.js';
import type { BackupStorage } from '../ports.js';
import { checkSealedValues, type SealCheck } from '../rules/backup-check.js';
import { checkMac, type MacCheck, macOf, macProblem } from '../rules/backup-mac.js';

/** A refusal of a backup command: the message says what to do. */
export class BackupRefused extends Error {
  override name = 'BackupRefused';
}

export interface BackupReport {
  file: string;
  /** Its MAC, beside it. */
  macFile: string;
  kind: 'sqlite' | 'pg_dump';
  bytes: number;
  contents: SnapshotContents;
}

export interface VerifyReport extends SealCheck {
  file: string;
  kind: 'sqlite' | 'pg_dump';
  /** Whether the file is, byte for byte, the backup the service wrote (its MAC, keyed from the master keys). */
  mac: MacCheck;
  /** What a failed MAC check means (undefined when it is ok). */
  macProblem: string | undefined;
  /** SQLite's quick_check ("ok"), or "pg_restore read it" for a dump. */
  integrity: string;
  contents: SnapshotContents;
}

/** A backup's MAC file. */
export const macFileOf = (file: string): string => `${file}.mac`;

/** The keys to use: a key file named, else the configured ones (MASTER_KEYS, or the key file). */
function keysOf(config: Config, keyFile?: string): KeyRing {
  if (keyFile) return keyRingFromFile(keyFile);
  return config.masterKeys !== undefined ? keyRingFromText(config.masterKeys) : keyRingFromFile(config.masterKeyFile);
}

/** The file's bytes, in chunks. */
const chunksOf = (file: string): AsyncIterable<Buffer> => createReadStream(file, { highWaterMark: 1024 * 1024 });

export type Progress = (phase: string, done: number, total: number) => void;

/** Writes a snapshot of the configured database to `file` (which must not exist), while the service runs. */
export async function backupDatabase(storage: BackupStorage, config: Config, file: string, progress: Progress = () => {}): Promise<BackupReport> {
  const target = resolve(file);
  if (existsSync(target)) throw new BackupRefused(`${file} exists already: choose a new file (a backup never overwrites one)`);
  if (existsSync(macFileOf(target))) throw new BackupRefused(`${macFileOf(file)} exists already: choose a new file (a backup never overwrites one)`);
  // The keys are needed for the MAC: a start without them fails before anything is written.
  keysOf(config);
  let report: Omit<BackupReport, 'macFile'>;
  if (providerOf(config.databaseUrl) === 'sqlite') {
    const source = sqlitePath(config.databaseUrl);
    if (!existsSync(source)) throw new BackupRefused(`no database at ${source} (DATABASE_URL)`);
    if (resolve(source) === target) throw new BackupRefused('the backup file cannot be the database itself');
    await storage.backupSqlite(source, target, (done, total) => progress('copying pages', done, total));
    report = { file: target, kind: 'sqlite', bytes: statSync(target).size, contents: storage.readSqliteSnapshot(target).contents };
  } else {
    await storage.dumpPostgres(config.databaseUrl, target);
    report = { file: target, kind: 'pg_dump', bytes: statSync(target).size, contents: (await storage.readPostgresDump(target)).contents };
  }
  // The MAC, beside it (0600, never over another file).
  const macFile = macFileOf(target);
  const mac = await macOf(chunksOf(target), keysOf(config));
  const fd = openSync(macFile, 'wx', 0o600);
  try {
    writeSync(fd, `${JSON.stringify(mac)}\n`);
  } finally {
    closeSync(fd);
  }
  await storage.recordEvent(config.databaseUrl, 'database.backup', target, describeContents(report.contents));
  return { ...report, macFile };
}

/**
 * Checks `file`: its MAC (is it, byte for byte, the backup the service wrote?), then, opened read-only, that every
 * sealed value in it opens with the keys (a key file, or the configured keys).
 */
export async function verifyBackup(
  storage: BackupStorage,
  config: Config,
  file: string,
  keyFile: string | undefined,
  progress: Progress = () => {},
): Promise<VerifyReport> {
  if (!existsSync(file)) throw new BackupRefused(`no file ${file}`);
  const keys = keysOf(config, keyFile);
  const macFile = macFileOf(file);
  const mac = await checkMac(chunksOf(file), existsSync(macFile) ? readFileSync(macFile, 'utf8') : undefined, keys);
  const kind = storage.snapshotKind(file);
  if (kind === 'unknown') throw new BackupRefused(`${file} is neither a SQLite snapshot nor a pg_dump file (custom format)`);
  let read: { values: SnapshotSealedValue[]; contents: SnapshotContents; integrity: string };
  try {
    read = kind === 'sqlite' ? storage.readSqliteSnapshot(file) : { ...(await storage.readPostgresDump(file)), integrity: 'ok (pg_restore read every table)' };
  } catch (error) {
    // A file changed afterwards may not even parse: the report still says so, its MAC's verdict first.
    const reason = (error instanceof Error ? error.message : String(error)).split('\n')[0]!.slice(0, 200);
    read = { values: [], contents: NOTHING_READ, integrity: `FAILED: its content cannot be read (${reason})` };
  }
  const check = checkSealedValues(read.values, keys, (done, total) => progress('opening sealed values', done, total));
  return {
    file: resolve(file),
    kind,
    mac,
    macProblem: mac === 'ok' ? undefined : macProblem(mac, macFile),
    integrity: read.integrity,
    contents: read.contents,
    ...check,
  };
}

/** What a report counts of a snapshot whose content cannot be read. */
const NOTHING_READ: SnapshotContents = { credentials: 0, deletedCredentials: 0, versions: 0, users: 0, workspaces: 0, auditEvents: 0, migration: null };

/** Whether a verification passed: the MAC, the integrity (SQLite's check; a pg_dump file read whole), and every sealed value. */
export const verified = (report: VerifyReport): boolean =>
  report.mac === 'ok' && report.unreadableCount === 0 && (report.kind !== 'sqlite' ? report.integrity.startsWith('ok') : report.integrity === 'ok');

export interface RestoreOptions {
  /** Replace a database that has data, or that a running server holds. */
  force?: boolean;
  /** Restore a backup whose MAC is missing or does not verify (its sealed values must still open). */
  unverified?: boolean;
  keyFile?: string;
  now?: Date;
}

export interface RestoreReport extends VerifyReport {
  /** Where the database that was replaced is kept, if there was one. */
  previous: string | undefined;
  migrations: string[];
}

/**
 * Puts the SQLite snapshot `file` in place of the configured database, after
 * proving every sealed value in it opens with the keys. Refused without
 * `force` when the database exists, and always while a server's upkeep lease
 * on it is held (stop the servers first). PostgreSQL: pg_restore (docs/operating.md).
 */
export async function restoreDatabase(
  storage: BackupStorage,
  config: Config,
  file: string,
  options: RestoreOptions = {},
  progress: Progress = () => {},
): Promise<RestoreReport> {
  if (providerOf(config.databaseUrl) !== 'sqlite') {
    throw new BackupRefused('restore puts a SQLite snapshot in place; for PostgreSQL use pg_restore (see docs/operating.md, Backups)');
  }
  const report = await verifyBackup(storage, config, file, options.keyFile, progress);
  if (report.kind !== 'sqlite') throw new BackupRefused(`${file} is a pg_dump file: restore it with pg_restore (see docs/operating.md, Backups)`);
  if (report.mac !== 'ok' && !options.unverified) {
    throw new BackupRefused(`${file}: ${report.macProblem}; nothing was changed (restore it anyway with --unverified)`);
  }
  if (report.integrity !== 'ok') throw new BackupRefused(`${file} fails SQLite's integrity check (${report.integrity}): nothing was changed`);
  if (report.unreadableCount > 0) {
    throw new BackupRefused(
      `${report.unreadableCount} of ${report.sealed} sealed values in ${file} do not open with these keys (${report.unreadable.join(', ')}): nothing was changed`,
    );
  }
  const target = sqlitePath(config.databaseUrl);
  const now = options.now ?? new Date();
  const held = storage.leaseHeldUntil(target, UPKEEP_LEASE, now.getTime());
  if (held !== undefined) {
    throw new BackupRefused(`a server is running on ${target} (it holds the upkeep lease until ${new Date(held).toISOString()}): stop every server first`);
  }
  if (existsSync(target) && statSync(target).size > 0 && !options.force) {
    throw new BackupRefused(`${target} exists: restore replaces it only with --force (the old file is kept beside it)`);
  }
  const previous = await storage.replaceSqliteDatabase(file, target, now);
  // A snapshot of an older release is brought up to this one's schema.
  const migrations = await storage.migrate(config.databaseUrl);
  const detail = `${describeContents(report.contents)}${report.mac === 'ok' ? '' : `; UNVERIFIED: ${report.macProblem}`}`;
  await storage.recordEvent(config.databaseUrl, 'database.restore', resolve(file), detail);
  return { ...report, previous, migrations };
}

const describeContents = (c: SnapshotContents) =>
  `${c.credentials} credentials (${c.deletedCredentials} deleted, restorable), ${c.versions} versions, ${c.users} users, schema ${c.migration ?? 'none'}`;
