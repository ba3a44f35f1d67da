/** Opening what the server and the operator CLI share: key ring, migrated database, services. */
import type { Logger } from 'pino';
import type { Config } from './config.js';
import { openDatabase, type DatabaseOptions } from './db/client.js';
import { applyMigrations } from './db/migrate.js';
import { loadOrCreateKeyRing } from './secrets/keyring.js';
import { createServices, type Services } from './services.js';

export async function openRuntime(config: Config, logger: Logger, databaseOptions: DatabaseOptions = {}): Promise<Services> {
  const { ring, created } = loadOrCreateKeyRing(config.masterKeyFile, true);
  if (created) {
    logger.warn({ file: config.masterKeyFile }, 'created a new master key file (owner-only permissions); back it up: without it, stored secrets cannot be opened');
  }
  const applied = await applyMigrations(config.databaseUrl);
  if (applied.length > 0) logger.info({ migrations: applied }, 'applied database migrations');
  const db = await openDatabase(config.databaseUrl, databaseOptions);
  return createServices(db, ring);
}
