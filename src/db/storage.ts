/**
 * Opens the storage of one process: the Prisma client (every write), the
 * prepared statements of the hot reads, and the stores that own each
 * aggregate. Nothing above this layer sees a database connection.
 */
import { AuditStore } from './audit-store.js';
import { closeDatabase, type Database, openDatabase, type QueryEvent } from './client.js';
import { CredentialStore } from './credential-store.js';
import { type Graph, readOnlyGraph } from './graph.js';
import { LeaseStore } from './lease-store.js';
import { readMigrations } from './migrate.js';
import { PairingStore } from './pairing-store.js';
import { prismaFiles, providerOf } from './paths.js';
import { openPreparedStatements, type PreparedStatements } from './prepared.js';
import { UserStore } from './user-store.js';
import { WorkspaceStore } from './workspace-store.js';

export interface Storage {
  credentials: CredentialStore;
  users: UserStore;
  workspaces: WorkspaceStore;
  audit: AuditStore;
  pairings: PairingStore;
  leases: LeaseStore;
  /** Read-only access for Pothos' Prisma plugin to load the relations GraphQL selects. */
  graph: Graph;
  /** Why the database cannot serve now (unreachable, or lacking a committed migration), or undefined when it can. */
  readinessProblem(): Promise<string | undefined>;
  close(): Promise<void>;
}

export interface StorageOptions {
  /** Called after every SQL statement (metrics, tests counting statements). */
  onQuery?: (event: QueryEvent) => void;
}

export async function openStorage(databaseUrl: string, options: StorageOptions = {}): Promise<Storage> {
  const db = await openDatabase(databaseUrl, options);
  let statements: PreparedStatements;
  try {
    statements = openPreparedStatements(databaseUrl, options.onQuery);
  } catch (error) {
    await closeDatabase(db);
    throw error;
  }
  // The committed migrations, listed once: readiness compares the database with them.
  const committed = readMigrations(prismaFiles(providerOf(databaseUrl)).migrationsDir).migrationDirectories.map((d) => d.path);
  return {
    credentials: new CredentialStore(db, statements),
    users: new UserStore(db, statements),
    workspaces: new WorkspaceStore(db, statements),
    audit: new AuditStore(db),
    pairings: new PairingStore(db),
    leases: new LeaseStore(db),
    graph: readOnlyGraph(db),
    readinessProblem: () => readinessProblem(db, committed),
    async close() {
      // The read connection first: it holds no lock.
      await statements.close();
      await closeDatabase(db);
    },
  };
}

async function readinessProblem(db: Database, committed: readonly string[]): Promise<string | undefined> {
  try {
    const rows = await db.$queryRawUnsafe<{ name: string }[]>(
      'SELECT migration_name AS name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL',
    );
    const applied = new Set(rows.map((r) => r.name));
    const missing = committed.filter((m) => !applied.has(m));
    return missing.length > 0 ? `database lacks migrations: ${missing.join(', ')}` : undefined;
  } catch (error) {
    return `database unreachable: ${(error as Error).message.split('\n')[0]}`;
  }
}
