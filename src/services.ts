/** The application's services, created once per process and shared by both doors. */
import { AccessTokens } from './auth/tokens.js';
import { CredentialService } from './credentials/service.js';
import type { Database } from './db/client.js';
import type { Metrics } from './http/metrics.js';
import type { KeyRingSource } from './secrets/keyring.js';

export interface Services {
  db: Database;
  credentials: CredentialService;
  tokens: AccessTokens;
  keys: KeyRingSource;
  metrics: Metrics;
}

export function createServices(db: Database, keys: KeyRingSource, metrics: Metrics): Services {
  return { db, credentials: new CredentialService(db, keys), tokens: new AccessTokens(db), keys, metrics };
}
