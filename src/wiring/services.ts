/**
 * The application's services, created once per process and shared by every
 * door (GraphQL, REST, the CLI). Doors get these, never a database connection.
 */
import type { Logger } from 'pino';
import type { RelationReads } from '../db/relation-reads.js';
import type { Storage } from '../db/storage.js';
import { AuditTrail } from '../domain/audit/trail.js';
import { AccessTokens } from '../domain/auth/tokens.js';
import { providerIds } from '../domain/credentials/providers/index.js';
import { CredentialService } from '../domain/credentials/service.js';
import { CredentialUpkeep } from '../domain/credentials/upkeep.js';
import { KeyDelivery } from '../domain/delivery/key-delivery.js';
import { Pairings } from '../domain/delivery/pairings.js';
import { MasterKeys } from '../domain/keys/master-keys.js';
import { KeyRotation } from '../domain/keys/rotation.js';
import { ValidationSchedule } from '../domain/validation/schedule.js';
import { CredentialValidation } from '../domain/validation/service.js';
import { ProbeSlots } from '../domain/validation/slots.js';
import { WorkspaceAccess } from '../domain/workspaces/access.js';
import { WorkspaceService } from '../domain/workspaces/service.js';
import { type Config, loadConfig } from '../infra/config.js';
import { GuardedHttp } from '../infra/guarded-http.js';
import type { Metrics } from '../infra/metrics.js';
import type { KeyRingSource } from '../secrets/keyring.js';

export interface Services {
  credentials: CredentialService;
  workspaces: WorkspaceService;
  tokens: AccessTokens;
  rotation: KeyRotation;
  /** The master keys as an operator manages them (list, add, remove). */
  masterKeys: MasterKeys;
  audit: AuditTrail;
  /** The services that may receive secrets. */
  pairings: Pairings;
  /** Keys delivered to paired services, encrypted for them. */
  delivery: KeyDelivery;
  validation: CredentialValidation;
  keys: KeyRingSource;
  metrics: Metrics;
  /** Read-only relation loading for Pothos' Prisma plugin (GraphQL). */
  relationReads: RelationReads;
  /** Why the service cannot serve now, or undefined when it can (GET /readyz). */
  readinessProblem(): Promise<string | undefined>;
  /** The credentials' upkeep (purge after the recovery window, expiry): started with the background jobs. */
  upkeep: CredentialUpkeep;
  /** Starts the background jobs of a server (upkeep; re-validation, when VALIDATE_EVERY is set); the CLI does not. */
  startBackground(): void;
  /** Stops background jobs, finishes background writes, then closes the database connections. */
  close(): Promise<void>;
}

/** What the services take from the configuration. */
export type ServiceSettings = Pick<Config, 'validation' | 'limits' | 'retention' | 'awsTrustPrincipalArn' | 'masterKeyFile' | 'masterKeys'>;

/** The settings' defaults (config.ts is their one source). */
const DEFAULT_SETTINGS: ServiceSettings = loadConfig({});

export function createServices(
  storage: Storage,
  keys: KeyRingSource,
  metrics: Metrics,
  logger: Logger,
  settings: ServiceSettings = DEFAULT_SETTINGS,
  clock: () => number = Date.now,
): Services {
  const tokens = new AccessTokens(storage.users, (error) => logger.warn({ err: error }, 'could not record the last use of a token'), clock);
  const access = new WorkspaceAccess(storage.workspaces);
  const pairings = new Pairings(storage.pairings);
  const http = new GuardedHttp({ allowedHosts: settings.validation.allowedHosts, timeoutMs: settings.validation.timeoutMs });
  const validation = new CredentialValidation(
    storage.credentials,
    keys,
    access,
    http,
    new ProbeSlots(settings.validation.probesInFlight, settings.validation.probesPerOwner),
    { awsStsEndpoint: settings.validation.awsStsEndpoint },
    (provider, outcome) => metrics.validations.inc({ provider, outcome }),
  );
  metrics.countInvalidWith(() => storage.credentials.countInvalidByProvider(), providerIds);
  metrics.countExpiringWith((withinMs) => storage.credentials.countExpiringBefore(new Date(clock() + withinMs)));
  const upkeep = new CredentialUpkeep(storage.credentials, storage.leases, {
    everyMs: settings.retention.upkeepEveryMs,
    recoveryWindowMs: settings.retention.recoveryWindowMs,
    clock,
    onError: (error) => logger.error({ err: error }, 'credential upkeep failed'),
  });
  const everyMs = settings.validation.everyMs;
  const schedule =
    everyMs === undefined
      ? undefined
      : new ValidationSchedule(storage.credentials, storage.leases, storage.backoffs, validation, {
          everyMs,
          probeTimeoutMs: settings.validation.timeoutMs,
          concurrency: settings.validation.sweepConcurrency,
          onError: (error) => logger.error({ err: error }, 'background validation failed'),
        });
  const rotation = new KeyRotation(storage.credentials, keys);
  let closing: Promise<void> | undefined;
  return {
    credentials: new CredentialService(
      storage.credentials,
      keys,
      access,
      {
        awsTrustPrincipalArn: settings.awsTrustPrincipalArn,
        credentialsPerContext: settings.limits.credentialsPerContext,
        versionsKept: settings.retention.versionsKept,
        recoveryWindowMs: settings.retention.recoveryWindowMs,
      },
      clock,
    ),
    upkeep,
    workspaces: new WorkspaceService(storage.workspaces, storage.users, { organizationsPerUser: settings.limits.organizationsPerUser }),
    tokens,
    rotation,
    masterKeys: new MasterKeys({ file: settings.masterKeyFile, fromEnvironment: settings.masterKeys !== undefined }, keys, rotation),
    audit: new AuditTrail(storage.audit, access),
    pairings,
    delivery: new KeyDelivery(storage.credentials, keys, access, pairings, (provider, outcome) => metrics.deliveries.inc({ provider, outcome })),
    validation,
    keys,
    metrics,
    relationReads: storage.relationReads,
    readinessProblem: () => storage.readinessProblem(),
    startBackground() {
      upkeep.start();
      schedule?.start();
    },
    // Once, however often it is asked (a signal during a shutdown, a test's clean-up).
    close() {
      closing ??= (async () => {
        await schedule?.stop();
        await upkeep.stop();
        await tokens.settle();
        await storage.close();
      })();
      return closing;
    },
  };
}
