/**
 * Opens the storage of one process: the Prisma client (every write), the
 * prepared statements of the hot reads, and the stores that own each
 * aggregate. Nothing above this layer sees a database connection.
 */
import { statfsSync } from 'node:fs';
import { dirname } from 'node:path';
import type { UserStore } from '../features/accounts/ports.js';
import { PrismaUserStore } from '../features/accounts/store/user-store.js';
import type { AuditStore } from '../features/audit/ports.js';
import { PrismaAuditStore } from '../features/audit/store/audit-store.js';
import type { CredentialStore } from '../features/credentials/ports.js';
import { PrismaCredentialStore } from '../features/credentials/store/credential-store.js';
import type { PairingStore, SigningKeyStore } from '../features/delivery/ports.js';
import { PrismaPairingStore } from '../features/delivery/store/pairing-store.js';
import { PrismaSigningKeyStore } from '../features/delivery/store/signing-key-store.js';
import type { WebhookStore } from '../features/events/ports.js';
import { PrismaWebhookStore } from '../features/events/store/webhook-store.js';
import type { KeyCheckStore } from '../features/keys/ports.js';
import { PrismaKeyCheckStore } from '../features/keys/store/key-check-store.js';
import type { PipelineSecretStore } from '../features/pipeline-secrets/ports.js';
import { PrismaPipelineSecretStore, PrismaPipelineSecretVersionStore } from '../features/pipeline-secrets/store/pipeline-secret-store.js';
import type { BackoffStore } from '../features/probing/ports.js';
import { PrismaBackoffStore } from '../features/probing/store/backoff-store.js';
import type { SessionStore } from '../features/sign-in/ports.js';
import { PrismaSessionStore } from '../features/sign-in/store/session-store.js';
import type { WorkspaceStore } from '../features/workspaces/ports.js';
import { PrismaWorkspaceStore } from '../features/workspaces/store/workspace-store.js';
import { providerOf, sqlitePath } from '../infra/database-url.js';
import { closeDatabase, type Database, openDatabase, type QueryEvent } from '../platform/db/client.js';
import { failureReason, type StoreEvent, StoreHealth } from '../platform/db/failures.js';
import { LeaseStore } from '../platform/db/lease-store.js';
import { readMigrations } from '../platform/db/migrate.js';
import { type ListenOptions, listenForEvents, type NotificationListener } from '../platform/db/notifications.js';
import { prismaFiles } from '../platform/db/paths.js';
import { openPreparedStatements, type PreparedStatements } from '../platform/db/prepared.js';

export interface Storage {
  credentials: CredentialStore;
  users: UserStore;
  workspaces: WorkspaceStore;
  audit: AuditStore;
  pairings: PairingStore;
  signingKeys: SigningKeyStore;
  sessions: SessionStore;
  leases: LeaseStore;
  backoffs: BackoffStore;
  webhooks: WebhookStore;
  pipelineSecrets: PipelineSecretStore;
  /** Pipeline secrets' versions, for key rotation. */
  pipelineSecretVersions: PrismaPipelineSecretVersionStore;
  keyChecks: KeyCheckStore;
  /** Calls `listener` after each committed write of this process (returns: stop calling it). */
  onWrite(listener: () => void): () => void;
  /**
   * Listens for the audit events every instance commits (PostgreSQL's
   * notifications); undefined on SQLite, where one process writes and
   * `onWrite` tells of every change.
   */
  listen: ((options: ListenOptions) => NotificationListener) | undefined;
  /**
   * SQLite: a number that changes with every commit to the database file, by any process (another instance, the
   * operator's CLI); PostgreSQL: undefined (its notifications tell of every instance's events).
   */
  dataVersion(): number | undefined;
  /** Read-only access for Pothos' Prisma plugin to load the relations GraphQL selects. */
  /** Why the database cannot serve now (unreachable, or lacking a committed migration), or undefined when it can. */
  readinessProblem(): Promise<string | undefined>;
  close(): Promise<void>;
}

export interface StorageOptions {
  /** Called after every SQL statement (metrics, tests counting statements). */
  onQuery?: (event: QueryEvent) => void;
  /** Told once of each change of the database's state (lost, back, full or read-only, writable again): the log. */
  onStoreEvent?: (event: StoreEvent) => void;
}

/** Below this much free space on the SQLite database's file system, the database is reported unwritable. */
const MIN_FREE_BYTES = 1024 * 1024;
const READINESS_PROBE = 'readiness-probe';

export async function openStorage(databaseUrl: string, options: StorageOptions = {}): Promise<Storage> {
  const health = new StoreHealth(options.onStoreEvent);
  const writeListeners = new Set<() => void>();
  const db = await openDatabase(databaseUrl, {
    onQuery: options.onQuery,
    health,
    onWrite: () => {
      for (const listener of writeListeners) listener();
    },
  });
  let statements: PreparedStatements;
  try {
    statements = openPreparedStatements(databaseUrl, options.onQuery, health, () => {
      for (const listener of writeListeners) listener();
    });
  } catch (error) {
    await closeDatabase(db);
    throw error;
  }
  // A read kept under the data version is read again after this process's own writes too.
  writeListeners.add(() => statements.forgetDataVersion());
  // The committed migrations, listed once: readiness compares the database with them.
  const provider = providerOf(databaseUrl);
  const committed = readMigrations(prismaFiles(provider).migrationsDir).migrationDirectories.map((d) => d.path);
  const leases = new LeaseStore(db);
  const readiness: Readiness = { db, committed, health, leases, sqliteDir: provider === 'sqlite' ? dirname(sqlitePath(databaseUrl)) : undefined };
  return {
    credentials: new PrismaCredentialStore(db, statements, provider),
    users: new PrismaUserStore(db, statements),
    workspaces: new PrismaWorkspaceStore(db, statements),
    audit: new PrismaAuditStore(db),
    pairings: new PrismaPairingStore(db, statements),
    signingKeys: new PrismaSigningKeyStore(db),
    sessions: new PrismaSessionStore(db),
    leases,
    backoffs: new PrismaBackoffStore(db),
    webhooks: new PrismaWebhookStore(db, statements),
    keyChecks: new PrismaKeyCheckStore(db),
    pipelineSecrets: new PrismaPipelineSecretStore(db, statements),
    pipelineSecretVersions: new PrismaPipelineSecretVersionStore(db),
    onWrite(listener) {
      writeListeners.add(listener);
      return () => writeListeners.delete(listener);
    },
    listen: provider === 'postgresql' ? (listenOptions) => listenForEvents(databaseUrl, listenOptions) : undefined,
    dataVersion: () => statements.dataVersion(),
    readinessProblem: () => readinessProblem(readiness),
    async close() {
      // The read connection first: it holds no lock.
      await statements.close();
      await closeDatabase(db);
    },
  };
}

interface Readiness {
  db: Database;
  committed: readonly string[];
  health: StoreHealth;
  leases: LeaseStore;
  /** The SQLite database's directory (its file system's free space is checked). */
  sqliteDir: string | undefined;
}

/**
 * Why the database cannot serve: unreachable, lacking a committed migration, or
 * unwritable (no space left, read-only). After a write failed for want of space
 * or of write access, each check writes a row to learn whether it is over.
 */
async function readinessProblem({ db, committed, health, leases, sqliteDir }: Readiness): Promise<string | undefined> {
  let applied: Set<string>;
  try {
    const rows = await db.$queryRawUnsafe<{ name: string }[]>(
      'SELECT migration_name AS name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL',
    );
    applied = new Set(rows.map((r) => r.name));
  } catch (error) {
    return `database unreachable: ${failureReason(error)}`;
  }
  const missing = committed.filter((m) => !applied.has(m));
  if (missing.length > 0) return `database lacks migrations: ${missing.join(', ')}`;
  if (sqliteDir !== undefined) {
    const { bavail, bsize } = statfsSync(sqliteDir);
    if (bavail * bsize < MIN_FREE_BYTES) return `database cannot be written: ${bavail * bsize} bytes free on the file system of ${sqliteDir}`;
  }
  if (health.unwritable !== undefined) {
    try {
      await leases.touch(READINESS_PROBE, Date.now());
    } catch {
      return `database cannot be written: ${health.unwritable ?? 'a write failed'}`;
    }
  }
  return undefined;
}
