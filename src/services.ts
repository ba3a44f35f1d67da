/**
 * The application's services, created once per process and shared by every
 * door (GraphQL, REST, the CLI). Doors get these, never a database connection.
 */
import type { Logger } from 'pino';
import { AuditTrail } from './audit/trail.js';
import { AccessTokens } from './auth/tokens.js';
import { KeyRotation } from './credentials/key-rotation.js';
import { CredentialService } from './credentials/service.js';
import type { Graph } from './db/graph.js';
import type { Storage } from './db/storage.js';
import type { Metrics } from './metrics.js';
import type { KeyRingSource } from './secrets/keyring.js';
import { WorkspaceAccess } from './workspaces/access.js';
import { WorkspaceService } from './workspaces/service.js';

export interface Services {
  credentials: CredentialService;
  workspaces: WorkspaceService;
  tokens: AccessTokens;
  rotation: KeyRotation;
  audit: AuditTrail;
  keys: KeyRingSource;
  metrics: Metrics;
  /** Read-only relation loading for Pothos' Prisma plugin (GraphQL). */
  graph: Graph;
  /** Why the service cannot serve now, or undefined when it can (GET /readyz). */
  readinessProblem(): Promise<string | undefined>;
  /** Finishes background writes, then closes the database connections. */
  close(): Promise<void>;
}

export function createServices(storage: Storage, keys: KeyRingSource, metrics: Metrics, logger: Logger): Services {
  const tokens = new AccessTokens(storage.users, (error) => logger.warn({ err: error }, 'could not record the last use of a token'));
  return {
    credentials: new CredentialService(storage.credentials, keys, new WorkspaceAccess(storage.workspaces)),
    workspaces: new WorkspaceService(storage.workspaces, storage.users),
    tokens,
    rotation: new KeyRotation(storage.credentials, keys),
    audit: new AuditTrail(storage.audit),
    keys,
    metrics,
    graph: storage.graph,
    readinessProblem: () => storage.readinessProblem(),
    async close() {
      await tokens.settle();
      await storage.close();
    },
  };
}
