/**
 * The application's services, created once per process and shared by every
 * door (GraphQL, REST, the CLI). Doors get these, never a database connection.
 */
import type { Logger } from 'pino';
import { LeasedJob } from '../core/leased-job.js';
import { AccessTokens } from '../features/accounts/use-cases/tokens.js';
import { ReadAudit } from '../features/audit/use-cases/reads.js';
import { AuditTrail } from '../features/audit/use-cases/trail.js';
import { CredentialUpkeep } from '../features/credentials/jobs/upkeep.js';
import { CredentialService } from '../features/credentials/use-cases/service.js';
import { WavePairingRenewal } from '../features/delivery/jobs/wave-renewal.js';
import { DirectDelivery } from '../features/delivery/use-cases/direct-delivery.js';
import { KeyDelivery } from '../features/delivery/use-cases/key-delivery.js';
import { OidcIssuer, signingKeySealingContext } from '../features/delivery/use-cases/oidc-issuer.js';
import { Pairings } from '../features/delivery/use-cases/pairings.js';
import { PipelineSecretDelivery } from '../features/delivery/use-cases/pipeline-secret-delivery.js';
import { ShortLivedCredentials } from '../features/delivery/use-cases/short-lived.js';
import { WebhookDispatcher } from '../features/events/jobs/dispatcher.js';
import { EventFeed } from '../features/events/use-cases/feed.js';
import { LiveEvents } from '../features/events/use-cases/live.js';
import { Webhooks, webhookSealingContext } from '../features/events/use-cases/webhooks.js';
import { keyCheckSealingContext, MasterKeyCheck } from '../features/keys/use-cases/key-check.js';
import { MasterKeys } from '../features/keys/use-cases/master-keys.js';
import { KeyRotation } from '../features/keys/use-cases/rotation.js';
import { PipelineSecretPurge, PipelineSecrets, pipelineSecretSealingContext } from '../features/pipeline-secrets/index.js';
import { ValidationSchedule } from '../features/probing/jobs/schedule.js';
import { ProbeSlots } from '../features/probing/rules/slots.js';
import { CredentialProbing } from '../features/probing/use-cases/service.js';
import { providerIds } from '../features/providers/index.js';
import { BrowserSignIn } from '../features/sign-in/use-cases/browser.js';
import { ClientLogin } from '../features/sign-in/use-cases/client-login.js';
import { MachineSignIn } from '../features/sign-in/use-cases/machine.js';
import { WorkspaceAccess } from '../features/workspaces/rules/access.js';
import { WorkspaceService } from '../features/workspaces/use-cases/service.js';
import { AwsSts } from '../infra/aws-sts.js';
import { type Config, loadConfig } from '../infra/config/index.js';
import { GuardedHttp } from '../infra/guarded-http.js';
import type { Metrics } from '../infra/metrics.js';
import type { KeyRingSource } from '../platform/secrets/keyring.js';
import { type ServiceInfo, serviceInfo } from './service-info.js';
import { machineIssuers, signInSettings } from './sign-in-settings.js';
import type { Storage } from './storage.js';

declare module '../doors/services.js' {
  // The plumbing's Services is this process's services (src/doors/services.ts).
  interface Services extends AppServices {}
}

import type { Services } from '../doors/services.js';

export type { Services };

interface AppServices {
  credentials: CredentialService;
  /** Pipeline secrets (Seqera's /pipeline-secrets): named, write-only values a run reads. */
  pipelineSecrets: PipelineSecrets;
  /** Destroys the values of pipeline secrets deleted longer ago than the recovery window. */
  pipelineSecretPurge: PipelineSecretPurge;
  workspaces: WorkspaceService;
  tokens: AccessTokens;
  /** Machines' OIDC tokens exchanged for short-lived access tokens (OIDC_MACHINE_ISSUERS). */
  machineSignIn: MachineSignIn;
  /** The client's browser sign-in (`credentials login`): a token handed to it encrypted to its key. */
  clientLogin: ClientLogin;
  /** People signing in with their identity provider (OIDC_ISSUER), and their browser sessions. */
  signIn: BrowserSignIn;
  rotation: KeyRotation;
  /** The master keys as an operator manages them (list, add, remove). */
  masterKeys: MasterKeys;
  audit: AuditTrail;
  /** Webhooks of a context, for its managers. */
  webhooks: Webhooks;
  /** Live credential events (GraphQL subscriptions). */
  live: LiveEvents;
  /** The services that may receive secrets. */
  pairings: Pairings;
  /** Keys delivered to paired services, encrypted for them. */
  delivery: KeyDelivery;
  /** Credentials and pipeline secrets delivered to the caller's own key (the client). */
  directDelivery: DirectDelivery;
  /** Pipeline secrets' values delivered to paired services, encrypted for them. */
  pipelineSecretDelivery: PipelineSecretDelivery;
  /** The OIDC issuer (PUBLIC_URL): discovery, JWKS, signing keys. */
  issuer: OidcIssuer;
  /** Checking credentials with their provider (probes): validateCredential, the background sweep. */
  probing: CredentialProbing;
  keys: KeyRingSource;
  metrics: Metrics;
  /** What the service is, for Seqera's service-info: its version, the API it keeps, whether Wave is paired. */
  about(): Promise<ServiceInfo>;
  /** Why the service cannot serve now, or undefined when it can (GET /readyz): the database, or keys that do not open its secrets. */
  readinessProblem(): Promise<string | undefined>;
  /** At start: refuses (KeysDoNotOpenSecrets) unless this instance's master keys open the database's secrets. */
  verifyKeys(): Promise<void>;
  /** The credentials' upkeep (purge after the recovery window, expiry): started with the background jobs. */
  upkeep: CredentialUpkeep;
  /** Renews Wave pairings before Wave's lease ends (a server's background job). */
  waveRenewal: WavePairingRenewal;
  /** Sends webhook deliveries (a server's background job). */
  dispatcher: WebhookDispatcher;
  /** Starts the background jobs of a server (upkeep, webhook deliveries, the live feed; re-validation, when VALIDATE_EVERY is set); the CLI does not. */
  startBackground(): void;
  /** Stops background jobs, finishes background writes, then closes the database connections. */
  close(): Promise<void>;
}

/** What the services take from the configuration. */
export type ServiceSettings = Pick<
  Config,
  | 'validation'
  | 'limits'
  | 'retention'
  | 'events'
  | 'awsTrustPrincipalArn'
  | 'masterKeyFile'
  | 'masterKeys'
  | 'publicUrl'
  | 'pairingAllowedHosts'
  | 'wavePairing'
  | 'directDelivery'
  | 'aws'
  | 'issuer'
  | 'machineIssuersFile'
  | 'signIn'
>;

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
  const tokens = new AccessTokens(storage.users, (error) => logger.warn({ err: error }, 'could not record the last use of a token'), clock, {
    perUser: settings.limits.tokensPerUser,
  });
  const access = new WorkspaceAccess(storage.workspaces);
  const pairings = new Pairings(storage.pairings, {
    http: new GuardedHttp({
      allowedHosts: settings.pairingAllowedHosts,
      allowedHostsSetting: 'PAIRING_ALLOWED_HOSTS',
      timeoutMs: settings.validation.timeoutMs,
    }),
    publicUrl: settings.publicUrl,
    clock,
  });
  const http = new GuardedHttp({ allowedHosts: settings.validation.allowedHosts, timeoutMs: settings.validation.timeoutMs });
  // Deliveries' and probes' STS calls go through the probes' guard (VALIDATION_ALLOWED_HOSTS).
  const sts = new AwsSts(http, { endpoint: settings.validation.awsStsEndpoint, platformKeys: settings.aws.platformKeys });
  const issuer = new OidcIssuer(storage.signingKeys, keys, storage.leases, {
    publicUrl: settings.publicUrl,
    ...settings.issuer,
    clock,
    onError: (error) => logger.error({ err: error }, 'OIDC signing-key rotation failed'),
  });
  const shortLived = new ShortLivedCredentials(sts, issuer, {
    assumeRoleOnDelivery: settings.aws.assumeRoleOnDelivery,
    sessionSeconds: settings.aws.sessionSeconds,
    clock,
    slots: new ProbeSlots(settings.validation.probesInFlight, settings.validation.probesPerOwner),
    observe: (action, outcome) => metrics.stsSessions.inc({ action, outcome }),
  });
  const probing = new CredentialProbing(
    storage.credentials,
    keys,
    access,
    http,
    new ProbeSlots(settings.validation.probesInFlight, settings.validation.probesPerOwner),
    {
      sts,
      checkFederated: (credential, opened, probeSts) =>
        shortLived.checkFederated({ id: credential.id, owner: credential.owner, provider: credential.provider }, opened, probeSts),
    },
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
      : new ValidationSchedule(storage.credentials, storage.leases, storage.backoffs, probing, {
          everyMs,
          probeTimeoutMs: settings.validation.timeoutMs,
          concurrency: settings.validation.sweepConcurrency,
          onError: (error) => logger.error({ err: error }, 'background validation failed'),
        });
  const waveRenewal = new WavePairingRenewal(pairings, storage.leases, {
    ...settings.wavePairing,
    onFailure: (pairingId, reason) => logger.warn({ pairingId, reason }, 'a Wave pairing could not be renewed; trying again in a minute'),
    onError: (error) => logger.error({ err: error }, 'Wave pairing renewal failed'),
  });
  const otherSealed = [
    { context: webhookSealingContext, store: storage.webhooks },
    { context: signingKeySealingContext, store: storage.signingKeys },
    { context: keyCheckSealingContext, store: storage.keyChecks },
    { context: pipelineSecretSealingContext, store: storage.pipelineSecrets },
    { context: pipelineSecretSealingContext, store: storage.pipelineSecretVersions },
  ];
  const rotation = new KeyRotation(storage.credentials, keys, otherSealed);
  const pipelineSecrets = new PipelineSecrets(
    storage.pipelineSecrets,
    keys,
    access,
    {
      perContext: settings.limits.pipelineSecretsPerContext,
      recoveryWindowMs: settings.retention.recoveryWindowMs,
      versionsKept: settings.retention.versionsKept,
    },
    clock,
  );
  const pipelineSecretPurge = new PipelineSecretPurge(storage.pipelineSecrets, storage.leases, {
    everyMs: settings.retention.upkeepEveryMs,
    recoveryWindowMs: settings.retention.recoveryWindowMs,
    clock,
    onError: (error) => logger.error({ err: error }, 'pipeline secret purge failed'),
  });
  const keyCheck = new MasterKeyCheck(storage.keyChecks, keys, storage.credentials, otherSealed, clock);
  const readAudit = settings.events.auditReads ? new ReadAudit((events) => storage.audit.recordReads(events)) : undefined;
  const audit = new AuditTrail(storage.audit, access);
  const events = settings.events;
  const webhookHttp = new GuardedHttp({
    allowedHosts: events.webhookAllowedHosts,
    allowedHostsSetting: 'WEBHOOK_ALLOWED_HOSTS',
    timeoutMs: events.webhookTimeoutMs,
    uniformRefusals: true,
  });
  let webhooks: Webhooks | undefined;
  const dispatcher = new WebhookDispatcher(storage.webhooks, storage.leases, audit, keys, webhookHttp, {
    retryForMs: events.webhookRetryForMs,
    turnMs: events.webhookTimeoutMs,
    clock,
    creatorRefusal: (webhook) => webhooks!.creatorRefusal(webhook),
    onResult: (result) => metrics.webhookDeliveries.inc({ result }),
    onDisabled: (webhookId, reason) => {
      metrics.webhooksDisabled.inc();
      logger.warn({ webhookId, reason }, 'webhook disabled');
    },
    onPaused: (webhookId, reason) => {
      metrics.webhooksPaused.inc();
      logger.warn({ webhookId, reason }, 'webhook paused');
    },
    onError: (error) => logger.error({ err: error }, 'webhook delivery failed'),
  });
  webhooks = new Webhooks(storage.webhooks, access, keys, webhookHttp, { perContext: events.webhooksPerContext, perUser: events.webhooksPerUser }, clock, () =>
    dispatcher.noteCreated(),
  );
  const feed = new EventFeed(storage.audit, storage, {
    // Another instance's event may have queued deliveries (none can while no webhook is ACTIVE; a new one is).
    onNotified: (action) => (action === 'webhook.create' ? dispatcher.noteCreated() : dispatcher.wakeAfterWrite()),
    onLost: (reason) => logger.warn({ reason }, 'the event notification connection was lost; reconnecting'),
    onError: (error) => logger.error({ err: error }, 'reading new events failed'),
  });
  const live = new LiveEvents(feed, access, audit, {
    perToken: events.subscriptionsPerToken,
    perUser: events.subscriptionsPerUser,
    perInstance: events.subscriptionsPerInstance,
    clock,
    onCount: (open) => metrics.subscriptions.set(open),
    onError: (error) => logger.error({ err: error }, 'live events failed'),
  });
  metrics.countEventsWith(() => storage.audit.lastId());
  const workspaces = new WorkspaceService(storage.workspaces, storage.users, { organizationsPerUser: settings.limits.organizationsPerUser });
  // Ended and expired browser sessions are forgotten a day later (once an hour, one instance at a time).
  const sessionPurge = new LeasedJob(
    storage.leases,
    'session-purge',
    3_600_000,
    () => storage.sessions.removeEndedBefore(new Date(clock() - 86_400_000)),
    (error) => logger.error({ err: error }, 'forgetting ended sessions failed'),
  );
  const signIn = new BrowserSignIn(signInSettings(settings.signIn), storage.sessions, keys, workspaces, clock);
  const machineSignIn = new MachineSignIn(machineIssuers(settings.machineIssuersFile), tokens, workspaces, {
    clock,
    record: (event) => storage.audit.recordExchange(event),
  });
  const delivery = new KeyDelivery(storage.credentials, keys, access, pairings, shortLived, (provider, outcome) =>
    metrics.deliveries.inc({ provider, outcome }),
  );
  let stopWakes: (() => void) | undefined;
  let closing: Promise<void> | undefined;
  return {
    credentials: new CredentialService(
      storage.credentials,
      keys,
      access,
      {
        awsTrustPrincipalArn: settings.awsTrustPrincipalArn,
        publicUrl: settings.publicUrl,
        credentialsPerContext: settings.limits.credentialsPerContext,
        versionsKept: settings.retention.versionsKept,
        recoveryWindowMs: settings.retention.recoveryWindowMs,
        recordReads: readAudit ? (events) => readAudit.record(events) : undefined,
      },
      clock,
    ),
    pipelineSecrets,
    pipelineSecretDelivery: new PipelineSecretDelivery(pipelineSecrets, pairings),
    pipelineSecretPurge,
    upkeep,
    workspaces,
    tokens,
    machineSignIn,
    clientLogin: new ClientLogin(tokens, { tokenLifetimeMs: settings.directDelivery.clientTokenLifetimeMs, clock }),
    signIn,
    rotation,
    masterKeys: new MasterKeys({ file: settings.masterKeyFile, fromEnvironment: settings.masterKeys !== undefined }, keys, rotation),
    audit,
    webhooks,
    live,
    dispatcher,
    waveRenewal,
    pairings,
    delivery,
    directDelivery: new DirectDelivery(storage.credentials, access, delivery, pipelineSecrets, { ...settings.directDelivery, clock }, (provider, outcome) =>
      metrics.deliveries.inc({ provider, outcome }),
    ),
    issuer,
    probing,
    keys,
    metrics,
    async readinessProblem() {
      return (await storage.readinessProblem()) ?? (await keyCheck.problem());
    },
    verifyKeys: () => keyCheck.verify(),
    about: serviceInfo(pairings, signIn, clock),
    startBackground() {
      upkeep.start();
      pipelineSecretPurge.start();
      schedule?.start();
      feed.start();
      // On SQLite this process's writes are all there are; on PostgreSQL the feed's notifications wake it.
      if (!storage.listen) stopWakes ??= storage.onWrite(() => dispatcher.wakeAfterWrite());
      dispatcher.start();
      waveRenewal.start();
      issuer.start();
      if (signIn.enabled) sessionPurge.start();
    },
    // Once, however often it is asked (a signal during a shutdown, a test's clean-up).
    close() {
      closing ??= (async () => {
        live.close();
        stopWakes?.();
        await schedule?.stop();
        await upkeep.stop();
        await dispatcher.stop();
        await waveRenewal.stop();
        await issuer.stop();
        await sessionPurge.stop();
        await pipelineSecretPurge.stop();
        await feed.stop();
        await tokens.settle();
        await storage.close();
      })();
      return closing;
    },
  };
}
