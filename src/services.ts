/** The application's services, created once per process and shared by both doors. */
import { AccessTokens } from './auth/tokens.js';
import { CredentialService } from './credentials/service.js';
import type { Database } from './db/client.js';
import type { KeyRingSource } from './secrets/keyring.js';

export interface Services {
  db: Database;
  credentials: CredentialService;
  tokens: AccessTokens;
  keys: KeyRingSource;
}

export function createServices(db: Database, keys: KeyRingSource): Services {
  return { db, credentials: new CredentialService(db, keys), tokens: new AccessTokens(db), keys };
}
