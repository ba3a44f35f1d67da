/**
 * Settings from the environment: the one place that reads process.env. Each
 * setting is declared once (settings.ts: its kind, bounds, default, group and
 * docs); `Config` is what loadConfig builds from their values, its types
 * derived from the declarations.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseEnv } from 'node:util';
import type { z } from 'zod';
import { providerOf, sqlitePath } from '../database-url.js';
import { list } from './kinds.js';
import { settingsSchema } from './settings.js';

export { unknownSettings } from './unknown-settings.js';

/** The settings' values, parsed (durations in milliseconds). */
type Settings = z.output<typeof settingsSchema>;

/** The service's settings, grouped for their consumers. */
export type Config = ReturnType<typeof loadConfig>;
export type HttpLimits = Config['http'];
export type MetricsAccess = Config['metrics'];
export type GraphQLLimits = Config['graphql'];
export type ValidationSettings = Config['validation'];
export type Limits = Config['limits'];
export type Retention = Config['retention'];
export type EventSettings = Config['events'];
export type AwsSettings = Config['aws'];
export type IssuerSettings = Config['issuer'];

/**
 * Reads `.env` from the working directory into the environment, when there is
 * one (Node's own parser). A variable already set in the environment wins.
 * The names it holds, for `unknownSettings`.
 */
export function loadEnvFile(path = '.env'): string[] {
  if (!existsSync(path)) return [];
  const entries = parseEnv(readFileSync(path, 'utf8'));
  for (const [name, value] of Object.entries(entries)) if (process.env[name] === undefined) process.env[name] = value;
  return Object.keys(entries);
}

/** An identity provider people may sign in with. */
export interface OidcProviderConfig {
  /** Its name in /auth/login?provider= (`default` for OIDC_ISSUER's). */
  name: string;
  /** What the landing page's link says. */
  label: string;
  issuer: string;
  clientId: string;
  clientSecret: string | undefined;
  /** http issuers (tests, a local IdP): only outside production. */
  allowInsecureIssuer: boolean;
}

/** Browser sign-in with OIDC, as configured (the group mapping as written, the providers file unread: the domain reads them). */
export interface SignInConfig {
  /** OIDC_ISSUER's provider, when set. */
  providers: OidcProviderConfig[];
  /** OIDC_PROVIDERS: a JSON file of more providers. */
  providersFile: string | undefined;
  redirectUri: string;
  groupsClaim: string;
  allowedEmailDomains: string[];
  /** OIDC_GROUP_ROLES: `group=org/ws:ROLE,…`. */
  groupRoles: string | undefined;
  linkByEmail: boolean;
  idleMs: number;
  lifetimeMs: number;
  production: boolean;
}

/** OIDC_ISSUER (or OIDC_PROVIDERS) and their companions, checked together: PUBLIC_URL is needed, and OIDC_CLIENT_ID with OIDC_ISSUER. */
function signInSettings(e: Settings, production: boolean): SignInConfig | undefined {
  if (!e.OIDC_ISSUER && !e.OIDC_PROVIDERS) return undefined;
  if (e.OIDC_ISSUER && !e.OIDC_CLIENT_ID) {
    throw new ConfigError('Invalid configuration: OIDC_ISSUER needs OIDC_CLIENT_ID (the client registered at the identity provider)');
  }
  if (!e.PUBLIC_URL) {
    throw new ConfigError('Invalid configuration: sign-in (OIDC_ISSUER, OIDC_PROVIDERS) needs PUBLIC_URL (the callback is <PUBLIC_URL>/auth/callback)');
  }
  if (production && e.OIDC_ISSUER?.startsWith('http:')) throw new ConfigError('Invalid configuration: OIDC_ISSUER must be https in production');
  return {
    providers: e.OIDC_ISSUER
      ? [
          {
            name: 'default',
            label: 'Sign in',
            issuer: e.OIDC_ISSUER,
            clientId: e.OIDC_CLIENT_ID!,
            clientSecret: e.OIDC_CLIENT_SECRET,
            allowInsecureIssuer: e.OIDC_ISSUER.startsWith('http:'),
          },
        ]
      : [],
    providersFile: e.OIDC_PROVIDERS,
    redirectUri: `${e.PUBLIC_URL.replace(/\/+$/, '')}/auth/callback`,
    groupsClaim: e.OIDC_GROUPS_CLAIM,
    allowedEmailDomains: list(e.OIDC_ALLOWED_EMAIL_DOMAINS).map((d) => d.toLowerCase()),
    groupRoles: e.OIDC_GROUP_ROLES,
    linkByEmail: e.OIDC_LINK_BY_EMAIL === 'true',
    idleMs: e.SESSION_IDLE,
    lifetimeMs: e.SESSION_LIFETIME,
    production,
  };
}

/** A setting has a value the service cannot take: the message names it and what is accepted. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env) {
  const parsed = settingsSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ConfigError(`Invalid configuration: ${problems}`);
  }
  const e = parsed.data;
  if (e.GRAPHQL_TRUSTED_DOCUMENTS === 'only' && !e.GRAPHQL_PERSISTED_OPERATIONS) {
    throw new ConfigError('Invalid configuration: GRAPHQL_TRUSTED_DOCUMENTS=only needs GRAPHQL_PERSISTED_OPERATIONS=<a persisted operations file>');
  }
  const production = e.NODE_ENV === 'production';
  // In production the schema is not published and GraphiQL is off unless switched on.
  const onByDefault = (value: 'true' | 'false' | undefined) => (value ?? (production ? 'false' : 'true')) === 'true';
  return {
    production,
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    migrateOnStart: e.MIGRATE_ON_START !== 'false',
    // The master key lives beside the SQLite database by default (see docs/security.md, Keys);
    // with PostgreSQL, in ./data (several instances need the same keys: MASTER_KEYS or a shared file).
    masterKeyFile:
      e.MASTER_KEY_FILE ??
      (providerOf(e.DATABASE_URL) === 'sqlite' ? join(dirname(sqlitePath(e.DATABASE_URL)), 'master-keys.json') : join('data', 'master-keys.json')),
    masterKeys: e.MASTER_KEYS,
    allowKeyFileBesideDatabase: e.ALLOW_KEY_FILE_BESIDE_DATABASE === 'true',
    logLevel: e.LOG_LEVEL,
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    http: {
      bodyTimeoutMs: e.REQUEST_BODY_TIMEOUT_MS,
      requestTimeoutMs: e.REQUEST_TIMEOUT_MS,
      keepAliveTimeoutMs: e.KEEP_ALIVE_TIMEOUT_MS,
      maxConnections: e.MAX_CONNECTIONS,
    },
    trustProxy: e.TRUST_PROXY === undefined ? false : /^\d+$/.test(e.TRUST_PROXY) ? Number(e.TRUST_PROXY) : list(e.TRUST_PROXY),
    corsOrigins: list(e.CORS_ORIGINS),
    metrics: {
      token: e.METRICS_TOKEN,
      port: e.METRICS_PORT,
      host: e.METRICS_HOST,
      // In production, /metrics on the API's port needs a token; a separate port takes it off the API's port.
      onApiPort: e.METRICS_PORT === undefined && (!production || e.METRICS_TOKEN !== undefined),
    },
    // Only trusted documents: GraphiQL (arbitrary documents) has nothing it could run.
    graphiql: e.GRAPHQL_TRUSTED_DOCUMENTS === 'only' ? false : onByDefault(e.GRAPHIQL),
    graphql: {
      introspection: e.GRAPHQL_TRUSTED_DOCUMENTS === 'only' ? false : onByDefault(e.GRAPHQL_INTROSPECTION),
      persistedOperationsFile: e.GRAPHQL_PERSISTED_OPERATIONS,
      trustedOnly: e.GRAPHQL_TRUSTED_DOCUMENTS === 'only',
      fieldSuggestions: e.NODE_ENV === 'development',
      maxDepth: e.GRAPHQL_MAX_DEPTH,
      maxAliases: e.GRAPHQL_MAX_ALIASES,
      maxTokens: e.GRAPHQL_MAX_TOKENS,
      maxCost: e.GRAPHQL_MAX_COST,
      maxDirectives: e.GRAPHQL_MAX_DIRECTIVES,
      maxValidations: Math.max(1, Math.min(e.VALIDATION_PROBES_PER_OWNER, Math.floor(e.REQUEST_TIMEOUT_MS / e.VALIDATION_TIMEOUT_MS))),
    },
    authFailuresPerMinute: e.AUTH_FAILURES_PER_MINUTE,
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    validation: {
      allowedHosts: list(e.VALIDATION_ALLOWED_HOSTS).map((h) => h.toLowerCase()),
      timeoutMs: e.VALIDATION_TIMEOUT_MS,
      awsStsEndpoint: e.AWS_STS_ENDPOINT,
      everyMs: e.VALIDATE_EVERY,
      probesInFlight: e.VALIDATION_PROBES_IN_FLIGHT,
      probesPerOwner: Math.min(e.VALIDATION_PROBES_PER_OWNER, e.VALIDATION_PROBES_IN_FLIGHT),
      sweepConcurrency: e.VALIDATION_SWEEP_CONCURRENCY,
    },
    limits: {
      credentialsPerContext: e.MAX_CREDENTIALS_PER_CONTEXT,
      pipelineSecretsPerContext: e.MAX_PIPELINE_SECRETS_PER_CONTEXT,
      organizationsPerUser: e.MAX_ORGANIZATIONS_PER_USER,
      tokensPerUser: e.MAX_TOKENS_PER_USER,
    },
    retention: {
      versionsKept: e.CREDENTIAL_VERSIONS_KEPT,
      recoveryWindowMs: e.CREDENTIAL_RECOVERY_WINDOW,
      upkeepEveryMs: 60_000,
    },
    events: {
      webhookAllowedHosts: list(e.WEBHOOK_ALLOWED_HOSTS).map((h) => h.toLowerCase()),
      webhookTimeoutMs: e.WEBHOOK_TIMEOUT_MS,
      webhookRetryForMs: e.WEBHOOK_RETRY_FOR,
      webhooksPerContext: e.WEBHOOKS_PER_CONTEXT,
      webhooksPerUser: e.WEBHOOKS_PER_USER,
      subscriptionsPerToken: e.SUBSCRIPTIONS_PER_TOKEN,
      subscriptionsPerUser: e.SUBSCRIPTIONS_PER_USER,
      subscriptionsPerInstance: e.SUBSCRIPTIONS_PER_INSTANCE,
      subscriptionBacklogBytes: e.SUBSCRIPTION_BACKLOG_BYTES,
      auditReads: e.AUDIT_READS === 'true',
    },
    awsTrustPrincipalArn: e.AWS_TRUST_PRINCIPAL_ARN,
    aws: {
      assumeRoleOnDelivery: (e.AWS_ASSUME_ROLE_ON_DELIVERY ?? 'true') === 'true',
      sessionSeconds: Math.floor(e.AWS_SESSION_DURATION / 1000),
      platformKeys:
        e.AWS_ACCESS_KEY_ID && e.AWS_SECRET_ACCESS_KEY
          ? { accessKeyId: e.AWS_ACCESS_KEY_ID, secretAccessKey: e.AWS_SECRET_ACCESS_KEY, sessionToken: e.AWS_SESSION_TOKEN }
          : undefined,
    },
    machineIssuersFile: e.OIDC_MACHINE_ISSUERS,
    signIn: signInSettings(e, production),
    // This service as an OIDC issuer (PUBLIC_URL), not the people's identity provider (signIn) nor machine issuers.
    issuer: { rotateEveryMs: e.OIDC_KEY_ROTATE_EVERY, tokenLifetimeSeconds: Math.floor(e.OIDC_TOKEN_LIFETIME / 1000) },
    publicUrl: e.PUBLIC_URL?.replace(/\/+$/, ''),
    pairingAllowedHosts: list(e.PAIRING_ALLOWED_HOSTS).map((h) => h.toLowerCase()),
    wavePairing: { renewEveryMs: e.WAVE_PAIRING_RENEW_EVERY, graceMs: e.WAVE_PAIRING_GRACE },
    directDelivery: {
      enabled: (e.DIRECT_DELIVERY ?? 'true') === 'true',
      perUserPerMinute: e.DIRECT_DELIVERIES_PER_MINUTE,
      clientTokenLifetimeMs: e.CLIENT_TOKEN_LIFETIME,
    },
  };
}
