/** The application's services, created once per process and shared by both doors. */
import { AccessTokens } from './auth/tokens.js';
import { CredentialService } from './credentials/service.js';
import { closeDatabase, type Database } from './db/client.js';
import type { Reads } from './db/reads.js';
import type { Metrics } from './http/metrics.js';
import type { KeyRingSource } from './secrets/keyring.js';

export interface Services {
  db: Database;
  /** The per-request reads (token, describe, pages), on prepared statements where the database allows. */
  reads: Reads;
  credentials: CredentialService;
  tokens: AccessTokens;
  keys: KeyRingSource;
  metrics: Metrics;
}

export function createServices(db: Database, reads: Reads, keys: KeyRingSource, metrics: Metrics): Services {
  return { db, reads, credentials: new CredentialService(db, reads, keys), tokens: new AccessTokens(db, reads), keys, metrics };
}

/** Closes the database connections (the read connection first: it holds no lock). */
export async function closeServices(services: Services): Promise<void> {
  await services.reads.close();
  await closeDatabase(services.db);
}
