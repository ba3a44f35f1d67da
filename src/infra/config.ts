/** Settings from the environment: the one place that reads process.env. */
import { existsSync, readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { dirname, join } from 'node:path';
import { parseEnv } from 'node:util';
import { z } from 'zod';
import { durationWithin, formatDuration } from '../core/time.js';
import { providerOf, sqlitePath } from './database-url.js';

const count = (fallback: number, min = 1, max = 1_000_000_000) =>
  z.coerce
    .number({ error: 'must be a whole number' })
    .int({ error: 'must be a whole number' })
    .min(min, { error: `must be at least ${min}` })
    .max(max, { error: `must be at most ${max}` })
    .default(fallback);
/** A duration in milliseconds, within bounds (a zero or a year-long timeout is a mistake). */
const milliseconds = (fallback: number, min: number, max: number) =>
  z.coerce
    .number({ error: 'must be a number of milliseconds' })
    .int({ error: 'must be a whole number of milliseconds' })
    .min(min, { error: `must be from ${min} to ${max} milliseconds (${formatDuration(min)} to ${formatDuration(max)})` })
    .max(max, { error: `must be from ${min} to ${max} milliseconds (${formatDuration(min)} to ${formatDuration(max)})` })
    .default(fallback);
const TEN_MINUTES = 600_000;
const flag = z.enum(['true', 'false']).optional();
const list = (text: string | undefined) =>
  (text ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** An address or a CIDR range (`10.0.0.0/8`, `::1`), as TRUST_PROXY lists them. */
const isAddressOrRange = (entry: string) => {
  const [address, bits, ...rest] = entry.split('/');
  const version = isIP(address ?? '');
  if (version === 0 || rest.length > 0) return false;
  return bits === undefined || (/^\d+$/.test(bits) && Number(bits) <= (version === 4 ? 32 : 128));
};

/** `host` or `host:port` (an IPv6 address in brackets), as VALIDATION_ALLOWED_HOSTS lists them. */
const isHostAndPort = (entry: string) => /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?$/.test(entry);

/** How often background validation may run: at least 10 s apart (each sweep probes every credential), at most a year. */
const VALIDATE_EVERY_BOUNDS = { min: 10_000, max: 365 * 86_400_000 };
const validateEvery = z
  .string()
  .superRefine((text, ctx) => {
    if (text === 'off') return;
    const parsed = durationWithin(text, VALIDATE_EVERY_BOUNDS);
    if ('problem' in parsed) ctx.addIssue({ code: 'custom', message: `${parsed.problem}, or off` });
  })
  .optional();

/** A deleted credential's recovery window: 0 (purged at once) to a year. */
const RECOVERY_WINDOW_BOUNDS = { min: 0, max: 365 * 86_400_000 };
const recoveryWindow = z
  .string()
  .superRefine((text, ctx) => {
    if (text === '0') return;
    const parsed = durationWithin(text, { min: 60_000, max: RECOVERY_WINDOW_BOUNDS.max });
    if ('problem' in parsed) ctx.addIssue({ code: 'custom', message: `${parsed.problem}, or 0 (purge at once)` });
  })
  .default('7d');

/** How long a webhook's deliveries may fail before it is disabled: a minute to a week. */
const RETRY_FOR_BOUNDS = { min: 60_000, max: 7 * 86_400_000 };
const retryFor = z
  .string()
  .superRefine((text, ctx) => {
    const parsed = durationWithin(text, RETRY_FOR_BOUNDS);
    if ('problem' in parsed) ctx.addIssue({ code: 'custom', message: parsed.problem });
  })
  .default('24h');
/** A duration setting (`12h`, `30m`) within bounds. */
const durationSetting = (fallback: string, bounds: { min: number; max: number }) =>
  z
    .string()
    .superRefine((text, ctx) => {
      const parsed = durationWithin(text, bounds);
      if ('problem' in parsed) ctx.addIssue({ code: 'custom', message: parsed.problem });
    })
    .default(fallback)
    .transform((text) => (durationWithin(text, bounds) as { ms: number }).ms);
const hostList = z
  .string()
  .refine((v) => list(v).every(isHostAndPort), 'must be host or host:port entries separated by commas (an IPv6 address in brackets: [::1]:8443)')
  .optional();

const schema = z.object({
  NODE_ENV: z.string().optional(),
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().min(1).default('0.0.0.0'),
  DATABASE_URL: z
    .string()
    .regex(/^(file:|postgres(ql)?:\/\/)/, 'must be a file: URL (SQLite) or a postgresql:// URL (PostgreSQL)')
    .default('file:./data/credentials.db'),
  MASTER_KEY_FILE: z.string().min(1).optional(),
  MASTER_KEYS: z.string().min(1).optional(),
  ALLOW_KEY_FILE_BESIDE_DATABASE: flag,
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  BODY_LIMIT_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(256 * 1024),
  REQUEST_BODY_TIMEOUT_MS: milliseconds(10_000, 100, TEN_MINUTES),
  REQUEST_TIMEOUT_MS: milliseconds(30_000, 100, TEN_MINUTES),
  KEEP_ALIVE_TIMEOUT_MS: milliseconds(5_000, 100, TEN_MINUTES),
  MAX_CONNECTIONS: count(1_000),
  TRUST_PROXY: z
    .string()
    .refine((v) => /^\d+$/.test(v) || list(v).every(isAddressOrRange), 'must be a number of proxy hops, or addresses and CIDR ranges separated by commas')
    .optional(),
  CORS_ORIGINS: z
    .string()
    .refine((v) => list(v).every((o) => /^https?:\/\/[^/\s]+$/.test(o)), 'must be origins (scheme://host[:port]) separated by commas')
    .optional(),
  METRICS_TOKEN: z.string().min(24, 'must be at least 24 characters (a random secret)').optional(),
  METRICS_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  GRAPHIQL: flag,
  GRAPHQL_INTROSPECTION: flag,
  GRAPHQL_MAX_DEPTH: count(10),
  GRAPHQL_MAX_ALIASES: count(15),
  GRAPHQL_MAX_TOKENS: count(2000),
  GRAPHQL_MAX_COST: count(100_000),
  GRAPHQL_MAX_DIRECTIVES: count(20),
  GRAPHQL_TRUSTED_DOCUMENTS: z.enum(['off', 'only'], { error: 'must be off or only' }).default('off'),
  GRAPHQL_PERSISTED_OPERATIONS: z.string().min(1).optional(),
  AUTH_FAILURES_PER_MINUTE: count(20),
  SHUTDOWN_GRACE_MS: milliseconds(10_000, 0, TEN_MINUTES),
  MIGRATE_ON_START: flag,
  VALIDATION_ALLOWED_HOSTS: hostList,
  VALIDATION_TIMEOUT_MS: milliseconds(5_000, 100, 60_000),
  VALIDATION_PROBES_IN_FLIGHT: count(16, 1, 1000),
  VALIDATION_PROBES_PER_OWNER: count(4, 1, 1000),
  VALIDATION_SWEEP_CONCURRENCY: count(4, 1, 64),
  MAX_CREDENTIALS_PER_CONTEXT: count(10_000, 1),
  MAX_ORGANIZATIONS_PER_USER: count(20, 1),
  MAX_TOKENS_PER_USER: count(50, 1, 10_000),
  AWS_STS_ENDPOINT: z.string().url('must be a URL (https://sts.<region>.amazonaws.com)').optional(),
  PUBLIC_URL: z
    .string()
    .regex(
      /^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/,
      'must be the http(s) URL people and services reach this service at, without a query (https://credentials.example.com)',
    )
    .optional(),
  PAIRING_ALLOWED_HOSTS: hostList,
  WAVE_PAIRING_RENEW_EVERY: durationSetting('12h', { min: 60_000, max: 7 * 86_400_000 }),
  WAVE_PAIRING_GRACE: durationSetting('1h', { min: 60_000, max: 86_400_000 }),
  AWS_ASSUME_ROLE_ON_DELIVERY: flag,
  AWS_SESSION_DURATION: durationSetting('1h', { min: 15 * 60_000, max: 12 * 3_600_000 }),
  AWS_ACCESS_KEY_ID: z
    .string()
    .regex(/^[A-Z0-9]{16,128}$/, 'must be an AWS access key id (AKIA…)')
    .optional(),
  AWS_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  AWS_SESSION_TOKEN: z.string().min(1).optional(),
  OIDC_MACHINE_ISSUERS: z.string().min(1).optional(),
  OIDC_ISSUER: z.string().url('must be the issuer URL of your identity provider (https://login.example.com/realms/acme)').optional(),
  OIDC_PROVIDERS: z.string().min(1).optional(),
  OIDC_CLIENT_ID: z.string().min(1).max(500).optional(),
  OIDC_CLIENT_SECRET: z.string().min(1).max(1000).optional(),
  OIDC_GROUPS_CLAIM: z.string().min(1).max(100).default('groups'),
  OIDC_ALLOWED_EMAIL_DOMAINS: z.string().optional(),
  OIDC_GROUP_ROLES: z.string().optional(),
  OIDC_LINK_BY_EMAIL: flag,
  SESSION_IDLE: durationSetting('2h', { min: 60_000, max: 7 * 86_400_000 }),
  SESSION_LIFETIME: durationSetting('12h', { min: 5 * 60_000, max: 30 * 86_400_000 }),
  OIDC_KEY_ROTATE_EVERY: durationSetting('30d', { min: 3_600_000, max: 365 * 86_400_000 }),
  OIDC_TOKEN_LIFETIME: durationSetting('1h', { min: 60_000, max: 3_600_000 }),
  AWS_TRUST_PRINCIPAL_ARN: z
    .string()
    .regex(
      /^arn:aws[a-z-]*:iam::\d{12}:(root|(role|user)\/[\w+=,.@/-]{1,512})$/,
      'must be an IAM principal ARN (arn:aws:iam::<account>:role/<name>, user/<name> or root)',
    )
    .optional(),
  VALIDATE_EVERY: validateEvery,
  CREDENTIAL_VERSIONS_KEPT: count(10, 1, 100),
  CREDENTIAL_RECOVERY_WINDOW: recoveryWindow,
  WEBHOOK_ALLOWED_HOSTS: hostList,
  WEBHOOK_TIMEOUT_MS: milliseconds(10_000, 100, 60_000),
  WEBHOOK_RETRY_FOR: retryFor,
  WEBHOOKS_PER_CONTEXT: count(20, 1, 1000),
  WEBHOOKS_PER_USER: count(50, 1, 10_000),
  SUBSCRIPTIONS_PER_TOKEN: count(5, 1, 100),
  SUBSCRIPTIONS_PER_USER: count(10, 1, 1000),
  SUBSCRIPTIONS_PER_INSTANCE: count(1000, 1, 100_000),
  SUBSCRIPTION_BACKLOG_BYTES: count(256 * 1024, 16 * 1024, 64 * 1024 * 1024),
  AUDIT_READS: flag,
});

export type Config = {
  /** NODE_ENV=production: a master key must be configured; development conveniences are off. */
  production: boolean;
  port: number;
  host: string;
  databaseUrl: string;
  /** Apply pending migrations when the service (or the CLI) opens the database; false: refuse to run on an old schema (migrate as a release step). */
  migrateOnStart: boolean;
  masterKeyFile: string;
  /** MASTER_KEYS, when the keys come from the environment rather than a file. */
  masterKeys: string | undefined;
  /** Production refuses a key file in the database's directory (one backup would hold both) unless this is set. */
  allowKeyFileBesideDatabase: boolean;
  logLevel: z.infer<typeof schema>['LOG_LEVEL'];
  bodyLimitBytes: number;
  http: HttpLimits;
  /** Which proxies' X-Forwarded-For to believe: false (none), a number of hops, or addresses and ranges. */
  trustProxy: false | number | string[];
  /** Origins whose pages may call the API from a browser (CORS); none by default. */
  corsOrigins: string[];
  metrics: MetricsAccess;
  graphiql: boolean;
  graphql: GraphQLLimits;
  /** Failed authentications a client may make in a minute before its failures get 429. */
  authFailuresPerMinute: number;
  /** On SIGTERM/SIGINT: how long requests in flight may take before their connections are cut. */
  shutdownGraceMs: number;
  validation: ValidationSettings;
  limits: Limits;
  retention: Retention;
  events: EventSettings;
  /** The URL people and services reach this service at (Wave's callbacks), without a trailing slash. */
  publicUrl: string | undefined;
  /** Hosts the operator allows a pairing call to (a Wave instance), `host` or `host:port`. */
  pairingAllowedHosts: string[];
  /** Wave pairings: renewed when last confirmed longer ago than this; a replaced one accepted this long. */
  wavePairing: { renewEveryMs: number; graceMs: number };
  /** The AWS principal that assumes customers' roles (the setup snippet of AWS role mode). */
  awsTrustPrincipalArn: string | undefined;
  aws: AwsSettings;
  oidc: OidcSettings;
  /** OIDC_MACHINE_ISSUERS: the file of trusted machine issuers and their rules (see machine-sign-in.ts). */
  machineIssuersFile: string | undefined;
  /** Browser sign-in with OIDC (OIDC_ISSUER…); undefined: not set up. */
  signIn: SignInConfig | undefined;
};

/** Short-lived AWS credentials on delivery. */
export interface AwsSettings {
  /** Deliver a role (role or federated mode) as temporary credentials from STS (AWS_ASSUME_ROLE_ON_DELIVERY, default true). */
  assumeRoleOnDelivery: boolean;
  /** How long delivered temporary credentials last (AWS_SESSION_DURATION). */
  sessionSeconds: number;
  /** The service's own AWS identity (AWS_ACCESS_KEY_ID…); undefined: the AWS SDK's default chain (environment, profile, instance role). */
  platformKeys: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } | undefined;
}

/** The OIDC issuer (PUBLIC_URL is its `iss`). */
export interface OidcSettings {
  /** A new signing key this often; the one before stays in the JWKS for as long again. */
  rotateEveryMs: number;
  /** Lifetime of a delivered ID token (at most 1 h). */
  tokenLifetimeSeconds: number;
}

/** What is kept of credentials' history, and for how long. */
export interface Retention {
  /** Versions of key material kept per credential (older ones destroyed). */
  versionsKept: number;
  /** How long a deleted credential can be undeleted before its material is destroyed (0: at once). */
  recoveryWindowMs: number;
  /** How often the upkeep runs (purges past the window, marks expired credentials). */
  upkeepEveryMs: number;
}

/** Webhooks, live subscriptions and the audit of reads. */
export interface EventSettings {
  /** Hosts (`host` or `host:port`) a webhook may call besides public https ones; plain http and any address too. */
  webhookAllowedHosts: string[];
  /** Each delivery's time limit. */
  webhookTimeoutMs: number;
  /** How long a webhook's deliveries may fail (retried with backoff) before it is disabled. */
  webhookRetryForMs: number;
  /** Webhooks one context may have. */
  webhooksPerContext: number;
  /** Webhooks one user may answer for (create or resume), in all their contexts. */
  webhooksPerUser: number;
  /** Live subscriptions one access token may hold open at once (on each instance). */
  subscriptionsPerToken: number;
  /** Live subscriptions one user may hold open at once, whatever their tokens (on each instance). */
  subscriptionsPerUser: number;
  /** Live subscriptions open at once on one instance, all users together. */
  subscriptionsPerInstance: number;
  /** A stream whose events the client has not read past this many bytes is cut off (an error event, then the end). */
  subscriptionBacklogBytes: number;
  /** Audit describe and list reads of credentials too (`credential.read`, `credential.list`). */
  auditReads: boolean;
}

export interface Limits {
  /** Live credentials one context (a user's own, a workspace) may hold. */
  credentialsPerContext: number;
  /** Organizations one user may own (create). */
  organizationsPerUser: number;
  /** Live access tokens one user may make for themselves. */
  tokensPerUser: number;
}

export interface ValidationSettings {
  /** Hosts (`host` or `host:port`) a probe may call besides providers' public endpoints; plain http too. */
  allowedHosts: string[];
  /** Each probe's time limit. */
  timeoutMs: number;
  /** The AWS STS endpoint the AWS probe calls. */
  awsStsEndpoint: string | undefined;
  /** Re-validate every credential this often in the background (undefined: never). */
  everyMs: number | undefined;
  /** Probes in flight at once on this instance (a person's and the background's). */
  probesInFlight: number;
  /** Of those, how many one owner's credentials (a user's own, a workspace's) may hold at once. */
  probesPerOwner: number;
  /** Probes the background sweep runs at once. */
  sweepConcurrency: number;
}

export interface HttpLimits {
  /** A request (headers and body) must have arrived within this time. */
  bodyTimeoutMs: number;
  /** A request must be answered within this time (else 503). */
  requestTimeoutMs: number;
  /** An idle kept-alive connection is closed after this time. */
  keepAliveTimeoutMs: number;
  /** Connections open at once; more are refused until some close. */
  maxConnections: number;
}

export interface MetricsAccess {
  /** When set, GET /metrics needs `Authorization: Bearer <token>`. */
  token: string | undefined;
  /** When set, /metrics is served on this port (of `host`) only, not on the API's port. */
  port: number | undefined;
  host: string;
  /** /metrics is served on the API's port (development, or with a token). */
  onApiPort: boolean;
}

export interface GraphQLLimits {
  /**
   * Persisted operations (`{"<sha256 of the text>": "<document>"}`, e.g. an app's
   * persisted-operations.json), run by their hash; with `trustedOnly`, nothing else runs.
   */
  persistedOperationsFile: string | undefined;
  trustedOnly: boolean;
  introspection: boolean;
  /** Field suggestions ("did you mean …") reveal the schema: development only. */
  fieldSuggestions: boolean;
  maxDepth: number;
  maxAliases: number;
  maxTokens: number;
  maxCost: number;
  maxDirectives: number;
  /**
   * `validateCredential` fields one request may hold: each probes a provider,
   * one after the other (mutations run in order), against the owner's share of
   * probe slots, and all of them within the request's time.
   */
  maxValidations: number;
}

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

const KNOWN = Object.keys(schema.shape);
/**
 * The first words of the service's settings (GRAPHQL_, VALIDATION_, METRICS_…): a variable of the
 * environment that starts like one of them is meant for the service. (AWS_ and NODE_ belong to others too.)
 */
const PREFIXES = [...new Set(KNOWN.filter((name) => name.includes('_')).map((name) => `${name.split('_')[0]}_`))].filter(
  (prefix) => prefix !== 'AWS_' && prefix !== 'NODE_',
);

/** Edits (insert, delete, replace, swap of two neighbours) from one name to another. */
function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}

/** The setting a misspelled name most likely means, if one is close. */
function meant(name: string): string | undefined {
  const close = KNOWN.map((known) => ({ known, d: distance(name.toUpperCase(), known) })).sort((a, b) => a.d - b.d)[0];
  return close && close.d <= Math.max(1, Math.floor(close.known.length / 4)) ? close.known : undefined;
}

/** Close enough to a setting to be a misspelling of it, whatever its first word: two edits at most, in a name of 8 or more. */
const nearSetting = (name: string) =>
  name.length >= 8 && KNOWN.some((known) => Math.abs(known.length - name.length) <= 2 && distance(name.toUpperCase(), known) <= 2);

/**
 * Warnings about settings the service does not know, so that a misspelled one
 * is not silently ignored: every name in `.env` (`fileNames`) that is no
 * setting, and every variable of the environment that starts like the
 * service's settings, or is within two edits of one, but is none. Each says
 * what was probably meant.
 */
export function unknownSettings(env: NodeJS.ProcessEnv, fileNames: readonly string[] = []): string[] {
  const inFile = new Set(fileNames);
  const unknown = [
    ...fileNames.filter((name) => !KNOWN.includes(name)).map((name) => ({ name, where: ' in .env' })),
    ...Object.keys(env)
      .filter((name) => !inFile.has(name) && !KNOWN.includes(name) && (PREFIXES.some((prefix) => name.startsWith(prefix)) || nearSetting(name)))
      .map((name) => ({ name, where: '' })),
  ];
  return unknown.map(({ name, where }) => {
    const guess = meant(name);
    return `unknown setting ${name}${where} is ignored${guess ? ` (did you mean ${guess}?)` : ''}`;
  });
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
function signInSettings(e: z.output<typeof schema>, production: boolean): SignInConfig | undefined {
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

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse(env);
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
      everyMs:
        e.VALIDATE_EVERY === undefined || e.VALIDATE_EVERY === 'off'
          ? undefined
          : (durationWithin(e.VALIDATE_EVERY, VALIDATE_EVERY_BOUNDS) as { ms: number }).ms,
      probesInFlight: e.VALIDATION_PROBES_IN_FLIGHT,
      probesPerOwner: Math.min(e.VALIDATION_PROBES_PER_OWNER, e.VALIDATION_PROBES_IN_FLIGHT),
      sweepConcurrency: e.VALIDATION_SWEEP_CONCURRENCY,
    },
    limits: {
      credentialsPerContext: e.MAX_CREDENTIALS_PER_CONTEXT,
      organizationsPerUser: e.MAX_ORGANIZATIONS_PER_USER,
      tokensPerUser: e.MAX_TOKENS_PER_USER,
    },
    retention: {
      versionsKept: e.CREDENTIAL_VERSIONS_KEPT,
      recoveryWindowMs:
        e.CREDENTIAL_RECOVERY_WINDOW === '0'
          ? 0
          : (durationWithin(e.CREDENTIAL_RECOVERY_WINDOW, { min: 60_000, max: RECOVERY_WINDOW_BOUNDS.max }) as { ms: number }).ms,
      upkeepEveryMs: 60_000,
    },
    events: {
      webhookAllowedHosts: list(e.WEBHOOK_ALLOWED_HOSTS).map((h) => h.toLowerCase()),
      webhookTimeoutMs: e.WEBHOOK_TIMEOUT_MS,
      webhookRetryForMs: (durationWithin(e.WEBHOOK_RETRY_FOR, RETRY_FOR_BOUNDS) as { ms: number }).ms,
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
    oidc: { rotateEveryMs: e.OIDC_KEY_ROTATE_EVERY, tokenLifetimeSeconds: Math.floor(e.OIDC_TOKEN_LIFETIME / 1000) },
    publicUrl: e.PUBLIC_URL?.replace(/\/+$/, ''),
    pairingAllowedHosts: list(e.PAIRING_ALLOWED_HOSTS).map((h) => h.toLowerCase()),
    wavePairing: { renewEveryMs: e.WAVE_PAIRING_RENEW_EVERY, graceMs: e.WAVE_PAIRING_GRACE },
  };
}
