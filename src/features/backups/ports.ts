/** What the backup use cases need from storage and the database: the wiring supplies them (src/wiring/backup-storage.ts). */
import type { SnapshotContents, SnapshotKind, SnapshotSealedValue } from './model.js';

export interface BackupStorage {
  /** What a file holds: a SQLite database, a pg_dump archive, or neither. */
  snapshotKind(file: string): SnapshotKind;
  /** Copies a live SQLite database page by page (online backup) into a new private file. */
  backupSqlite(source: string, destination: string, progress?: (done: number, total: number) => void): Promise<void>;
  /** Dumps a PostgreSQL database with pg_dump into a new private file. */
  dumpPostgres(databaseUrl: string, destination: string): Promise<void>;
  readPostgresDump(file: string): Promise<{ values: SnapshotSealedValue[]; contents: SnapshotContents }>;
  readSqliteSnapshot(file: string): { values: SnapshotSealedValue[]; contents: SnapshotContents; integrity: string };
  /** Until when a server holds `lease` on the SQLite file (undefined: nobody). */
  leaseHeldUntil(file: string, lease: string, now: number): number | undefined;
  /** Puts the snapshot in place of the database file; the old file's new name (undefined: there was none). */
  replaceSqliteDatabase(file: string, target: string, now: Date): Promise<string | undefined>;
  /** Brings the database to this release's schema; the migrations applied. */
  migrate(databaseUrl: string): Promise<string[]>;
  /** Records a backup or restore in the database's audit trail. */
  recordEvent(databaseUrl: string, action: 'database.backup' | 'database.restore', file: string, detail: string): Promise<void>;
}
