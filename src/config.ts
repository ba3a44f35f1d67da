/** Settings from the environment: the one place that reads process.env. */
import { existsSync } from 'node:fs';
import { isIP } from 'node:net';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { providerOf, sqlitePath } from './db/paths.js';

const count = (fallback: number, min = 1) => z.coerce.number().int().min(min).default(fallback);
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

const DURATION = /^(off|(\d{1,9})(s|m|h|d))$/;
const SECONDS = { s: 1, m: 60, h: 3600, d: 86400 } as const;
/** A duration (`30m`, `24h`) in milliseconds; undefined for `off`. */
const durationMs = (text: string) => {
  const [, , amount, unit] = DURATION.exec(text)!;
  return amount === undefined ? undefined : Number(amount) * SECONDS[unit as keyof typeof SECONDS] * 1000;
};

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
  REQUEST_BODY_TIMEOUT_MS: count(10_000, 100),
  REQUEST_TIMEOUT_MS: count(30_000, 100),
  KEEP_ALIVE_TIMEOUT_MS: count(5_000, 100),
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
  SHUTDOWN_GRACE_MS: count(10_000, 0),
  MIGRATE_ON_START: flag,
  VALIDATION_ALLOWED_HOSTS: z
    .string()
    .refine((v) => list(v).every(isHostAndPort), 'must be host or host:port entries separated by commas (an IPv6 address in brackets: [::1]:8443)')
    .optional(),
  VALIDATION_TIMEOUT_MS: count(5_000, 100),
  AWS_STS_ENDPOINT: z.string().url('must be a URL (https://sts.<region>.amazonaws.com)').optional(),
  AWS_TRUST_PRINCIPAL_ARN: z
    .string()
    .regex(
      /^arn:aws[a-z-]*:iam::\d{12}:(root|(role|user)\/[\w+=,.@/-]{1,512})$/,
      'must be an IAM principal ARN (arn:aws:iam::<account>:role/<name>, user/<name> or root)',
    )
    .optional(),
  VALIDATE_EVERY: z.string().regex(DURATION, 'must be a duration: a number and s, m, h or d (30m, 24h, 7d), or off').optional(),
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
  /** The AWS principal that assumes customers' roles (the setup snippet of AWS role mode). */
  awsTrustPrincipalArn: string | undefined;
};

export interface ValidationSettings {
  /** Hosts (`host` or `host:port`) a probe may call besides providers' public endpoints; plain http too. */
  allowedHosts: string[];
  /** Each probe's time limit. */
  timeoutMs: number;
  /** The AWS STS endpoint the AWS probe calls. */
  awsStsEndpoint: string | undefined;
  /** Re-validate every credential this often in the background (undefined: never). */
  everyMs: number | undefined;
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
}

/**
 * Reads `.env` from the working directory into the environment, when there is
 * one (Node's own parser). A variable already set in the environment wins.
 */
export function loadEnvFile(path = '.env'): void {
  if (existsSync(path)) process.loadEnvFile(path);
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`Invalid configuration: ${problems}`);
  }
  const e = parsed.data;
  if (e.GRAPHQL_TRUSTED_DOCUMENTS === 'only' && !e.GRAPHQL_PERSISTED_OPERATIONS) {
    throw new Error('Invalid configuration: GRAPHQL_TRUSTED_DOCUMENTS=only needs GRAPHQL_PERSISTED_OPERATIONS=<a persisted operations file>');
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
    // The master key lives beside the SQLite database by default (see README, Security);
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
    },
    authFailuresPerMinute: e.AUTH_FAILURES_PER_MINUTE,
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    validation: {
      allowedHosts: list(e.VALIDATION_ALLOWED_HOSTS).map((h) => h.toLowerCase()),
      timeoutMs: e.VALIDATION_TIMEOUT_MS,
      awsStsEndpoint: e.AWS_STS_ENDPOINT,
      everyMs: e.VALIDATE_EVERY === undefined ? undefined : durationMs(e.VALIDATE_EVERY),
    },
    awsTrustPrincipalArn: e.AWS_TRUST_PRINCIPAL_ARN,
  };
}
