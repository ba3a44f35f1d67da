/** The application's services, created once per process and shared by both doors. */
import { AccessTokens } from './auth/tokens.js';
import { CredentialService } from './credentials/service.js';
import type { Database } from './db/client.js';
import type { KeyRing } from './secrets/keyring.js';

export interface Services {
  db: Database;
  credentials: CredentialService;
  tokens: AccessTokens;
}

export function createServices(db: Database, keyRing: KeyRing): Services {
  return { db, credentials: new CredentialService(db, keyRing), tokens: new AccessTokens(db) };
}
