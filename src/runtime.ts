/** Opening what the server and the operator CLI share: key ring, migrated database, storage, services. */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import type { QueryEvent } from './db/client.js';
import type { StoreEvent } from './db/failures.js';
import { applyMigrations, pendingMigrations } from './db/migrate.js';
import { providerOf, sqlitePath } from './db/paths.js';
import { openStorage, type StorageOptions } from './db/storage.js';
import { Metrics } from './metrics.js';
import { generateKey, KeyRingSource, keyRingFromFile, keyRingFromText, writeKeyFile } from './secrets/keyring.js';
import { createServices, type Services } from './services.js';

/** A start-up problem the operator must fix; its message says how. */
export class StartupError extends Error {
  override name = 'StartupError';
}

/**
 * The master keys: MASTER_KEYS if set, else the key file. In production a
 * missing key is an error; locally a first start creates the key file.
 */
export function openKeyRing(config: Config, logger: Logger): KeyRingSource {
  if (!config.masterKeys) keyFileApartFromDatabase(config, logger);
  try {
    if (config.masterKeys) return new KeyRingSource(keyRingFromText(config.masterKeys));
    if (existsSync(config.masterKeyFile)) return new KeyRingSource(keyRingFromFile(config.masterKeyFile), config.masterKeyFile);
  } catch (error) {
    throw new StartupError(`Invalid master key configuration: ${(error as Error).message}`);
  }
  if (config.production) {
    throw new StartupError(
      `No master key: NODE_ENV=production needs MASTER_KEYS=<id>:<base64 of 32 random bytes> or MASTER_KEY_FILE=<an existing key file> ` +
        `(${config.masterKeyFile} does not exist). Create a key file with: npm run cli -- keys init`,
    );
  }
  const { id, key } = generateKey();
  writeKeyFile(config.masterKeyFile, { primary: id, keys: new Map([[id, key]]) });
  logger.warn(
    { file: config.masterKeyFile },
    'created a new master key file (owner-only permissions); back it up: without it, stored secrets cannot be opened',
  );
  return new KeyRingSource(keyRingFromFile(config.masterKeyFile), config.masterKeyFile);
}

/**
 * A key file in the SQLite database's directory ends up in the same backups as
 * the database, which then holds everything needed to open every secret. A
 * local start accepts it with a warning; production refuses it unless told.
 */
function keyFileApartFromDatabase(config: Config, logger: Logger): void {
  if (providerOf(config.databaseUrl) !== 'sqlite') return;
  if (dirname(resolve(config.masterKeyFile)) !== dirname(sqlitePath(config.databaseUrl))) return;
  const advice = 'keep the key file apart from the database (MASTER_KEY_FILE in another directory, or MASTER_KEYS), so that one backup never holds both';
  if (config.production && !config.allowKeyFileBesideDatabase) {
    throw new StartupError(`The master key file ${config.masterKeyFile} is in the database's directory: ${advice}; or set ALLOW_KEY_FILE_BESIDE_DATABASE=true`);
  }
  logger.warn({ file: config.masterKeyFile }, `the master key file is in the database's directory: ${advice}`);
}

/** Applies the pending migrations (the release step `db migrate`); the names applied. */
export function migrateDatabase(config: Config): Promise<string[]> {
  return applyMigrations(config.databaseUrl);
}

/** The migrations the database lacks (`db status`). */
export function missingMigrations(config: Config): Promise<string[]> {
  return pendingMigrations(config.databaseUrl);
}

export async function openRuntime(config: Config, logger: Logger, storageOptions: StorageOptions = {}): Promise<Services> {
  const keys = openKeyRing(config, logger);
  if (config.migrateOnStart) {
    const applied = await applyMigrations(config.databaseUrl);
    if (applied.length > 0) logger.info({ migrations: applied }, 'applied database migrations');
  } else {
    const pending = await pendingMigrations(config.databaseUrl);
    if (pending.length > 0) {
      throw new StartupError(`The database lacks migrations (${pending.join(', ')}) and MIGRATE_ON_START=false: run npm run db:migrate first`);
    }
  }
  const metrics = new Metrics();
  const onQuery = (event: QueryEvent) => {
    metrics.dbQueries.observe(event.durationMs / 1000);
    storageOptions.onQuery?.(event);
  };
  // Each change of the database's state is one log line, however many requests it fails.
  const onStoreEvent = (event: StoreEvent) => {
    if (event.state === 'unreachable') logger.error({ reason: event.reason }, 'the database cannot be reached: answering 503 until it is back');
    else if (event.state === 'unwritable') logger.error({ reason: event.reason }, 'the database cannot be written: writes answer 507/503 until it can');
    else logger.info(`the database is ${event.state} again`);
    storageOptions.onStoreEvent?.(event);
  };
  const storage = await openStorage(config.databaseUrl, { onQuery, onStoreEvent });
  return createServices(storage, keys, metrics, logger, config);
}
