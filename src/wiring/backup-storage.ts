/** The storage of the backup commands: snapshot files, migrations and the audit trail, over the database named. */
import { basename } from 'node:path';
import { OPERATOR } from '../core/caller.js';
import type { BackupStorage } from '../features/backups/ports.js';
import {
  backupSqlite,
  dumpPostgres,
  leaseHeldUntil,
  readPostgresDump,
  readSqliteSnapshot,
  replaceSqliteDatabase,
  snapshotKind,
} from '../features/backups/store/snapshots.js';
import { applyMigrations } from '../platform/db/migrate.js';
import { openStorage } from './storage.js';

export const backupStorage: BackupStorage = {
  snapshotKind,
  backupSqlite,
  dumpPostgres,
  readPostgresDump,
  readSqliteSnapshot,
  leaseHeldUntil,
  replaceSqliteDatabase,
  migrate: applyMigrations,
  async recordEvent(databaseUrl, action, file, detail) {
    const storage = await openStorage(databaseUrl);
    try {
      await storage.audit.record({ action, targetId: basename(file), actor: 'operator', door: OPERATOR.door, detail });
    } finally {
      await storage.close();
    }
  },
};
