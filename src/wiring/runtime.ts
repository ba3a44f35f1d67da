/** Opening what the server and the operator CLI share: key ring, migrated database, storage, services. */
import { statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Logger } from 'pino';
import { KeysDoNotOpenSecrets } from '../features/keys/use-cases/key-check.js';
import type { Config } from '../infra/config/index.js';
import { providerOf, sqlitePath } from '../infra/database-url.js';
import { Metrics } from '../infra/metrics.js';
import type { QueryEvent } from '../platform/db/client.js';
import type { StoreEvent } from '../platform/db/failures.js';
import { applyMigrations, pendingMigrations } from '../platform/db/migrate.js';
import { generateKey, KeyRingSource, keyRingFromFile, keyRingFromText, writeKeyFile } from '../platform/secrets/keyring.js';
import { createServices, type Services } from './services.js';
import { openStorage, type StorageOptions } from './storage.js';

/** A start-up problem the operator must fix; its message says how. */
export class StartupError extends Error {
  override name = 'StartupError';
}

/** Whether the key file is there: a path that cannot be looked at (a directory that cannot be entered) is not "missing". */
function keyFileState(path: string): 'present' | 'missing' {
  try {
    statSync(path);
    return 'present';
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return 'missing';
    throw new StartupError(
      `The master key file ${path} cannot be looked at (${code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code}): ` +
        'give the service access to it, or set MASTER_KEY_FILE. (No new key is made while one may exist there.)',
    );
  }
}

/**
 * The master keys: MASTER_KEYS if set, else the key file. In production a
 * missing key is an error; locally a first start creates the key file, but
 * only for a database that holds no sealed secret (a new key opens none of
 * them) and only where no file is (never replacing one).
 */
export async function openKeyRing(config: Config, logger: Logger, storedSecrets: () => Promise<number> = async () => 0): Promise<KeyRingSource> {
  if (config.masterKeys) {
    try {
      return new KeyRingSource(keyRingFromText(config.masterKeys));
    } catch (error) {
      throw new StartupError(`Invalid master key configuration: ${(error as Error).message}`);
    }
  }
  const state = keyFileState(config.masterKeyFile);
  if (state === 'missing' && config.production) {
    throw new StartupError(
      `No master key: NODE_ENV=production needs MASTER_KEYS=<id>:<base64 of 32 random bytes> or MASTER_KEY_FILE=<an existing key file> ` +
        `(${config.masterKeyFile} does not exist). Create a key file with: npm run cli -- keys init`,
    );
  }
  keyFileApartFromDatabase(config, logger);
  if (state === 'present') {
    try {
      return new KeyRingSource(keyRingFromFile(config.masterKeyFile), config.masterKeyFile);
    } catch (error) {
      throw new StartupError(`Invalid master key configuration: ${(error as Error).message}`);
    }
  }
  const sealed = await storedSecrets();
  // Made meanwhile by another instance starting on the same database: its key is the one.
  if (sealed > 0 && keyFileState(config.masterKeyFile) === 'present') {
    return new KeyRingSource(keyRingFromFile(config.masterKeyFile), config.masterKeyFile);
  }
  if (sealed > 0) {
    throw new StartupError(
      `No master key file at ${config.masterKeyFile}, and the database holds ${sealed} sealed secrets that only their key opens: ` +
        'restore the key file there (or set MASTER_KEY_FILE or MASTER_KEYS). A new key is not made: it would open none of them.',
    );
  }
  const { id, key } = generateKey();
  try {
    writeKeyFile(config.masterKeyFile, { primary: id, keys: new Map([[id, key]]) }, { create: true });
  } catch (error) {
    // Another instance starting at the same time made it first: its key is the one (this one's is dropped).
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return new KeyRingSource(keyRingFromFile(config.masterKeyFile), config.masterKeyFile);
  }
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

/** How long after the database came back a loss of it still counts as the same outage (one error line per outage). */
const STEADY_MS = 10_000;

export interface RuntimeOptions extends StorageOptions {
  /** The time the services go by (epoch milliseconds): a test's clock. */
  clock?: () => number;
}

export async function openRuntime(config: Config, logger: Logger, storageOptions: RuntimeOptions = {}): Promise<Services> {
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
  // A database coming back often answers some connections and refuses others for a moment (a restart's "starting
  // up"): lost again within STEADY_MS of coming back is the same outage, told as such, not a new one.
  let backAt = Number.NEGATIVE_INFINITY;
  const onStoreEvent = (event: StoreEvent) => {
    if (event.state === 'reachable') backAt = Date.now();
    if (event.state === 'unreachable' && Date.now() - backAt < STEADY_MS)
      logger.warn({ reason: event.reason }, 'the database is not steady yet: lost again while coming back');
    else if (event.state === 'unreachable') logger.error({ reason: event.reason }, 'the database cannot be reached: answering 503 until it is back');
    else if (event.state === 'unwritable') logger.error({ reason: event.reason }, 'the database cannot be written: writes answer 507/503 until it can');
    else logger.info(`the database is ${event.state} again`);
    storageOptions.onStoreEvent?.(event);
  };
  const storage = await openStorage(config.databaseUrl, { onQuery, onStoreEvent });
  try {
    const keys = await openKeyRing(config, logger, async () => {
      let sealed = await storage.credentials.countSecretsNotStartingWith([]);
      for (const other of [storage.webhooks, storage.signingKeys]) sealed += (await other.secretsNotStartingWith([])).length;
      return sealed + (await storage.keyChecks.count());
    });
    const services = createServices(storage, keys, metrics, logger, config, storageOptions.clock);
    try {
      await services.verifyKeys();
    } catch (error) {
      if (error instanceof KeysDoNotOpenSecrets) throw new StartupError(error.message);
      throw error;
    }
    return services;
  } catch (error) {
    await storage.close();
    throw error;
  }
}
