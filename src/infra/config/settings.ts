/**
 * Every setting of the service, declared once: its variable, its kind (which
 * holds its bounds and default), its group and one line of docs. `Config`
 * (index.ts) is built from the values these parse to, the check of unknown
 * settings (unknown-settings.ts) reads their names, and the settings table of
 * docs/operating.md is generated from them (`npm run docs:settings`; a test
 * fails when it is stale).
 */
import { z } from 'zod';
import { count, duration, entries, flag, hosts, isAddressOrRange, type Kind, matching, oneOf, optionalPort, port, text } from './kinds.js';

const MINUTE = 60_000;

/** Settings under one heading of the table. */
const group = <const T extends Record<string, Omit<Setting, 'group'>>>(name: string, settings: T): { [K in keyof T]: T[K] & { group: string } } =>
  Object.fromEntries(Object.entries(settings).map(([key, setting]) => [key, { ...setting, group: name }])) as { [K in keyof T]: T[K] & { group: string } };
const DAY = 86_400_000;

export interface Setting extends Kind {
  /** Its heading in the settings table. */
  group: string;
  /** The default as the table shows it, when more than the kind's fallback says (unset: what that means; development / production). */
  shown?: string;
  /** What it does, in one line (Markdown). */
  doc: string;
}

const g0 = group('Server', {
  NODE_ENV: {
    ...text(),
    doc: '`production`: a master key must be configured (the service refuses to start otherwise), GraphiQL, introspection and open metrics are off by default, the key file may not sit beside the database; `development`: GraphQL field suggestions on',
  },
  PORT: { ...port(8080), doc: 'HTTP port' },
  HOST: { ...text('0.0.0.0'), doc: 'interface to listen on' },
  LOG_LEVEL: {
    ...oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], 'info'),
    doc: '`fatal`, `error`, `warn`, `info`, `debug`, `trace` or `silent`; logs are JSON lines on stdout',
  },
  PUBLIC_URL: {
    ...matching(
      /^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/,
      'must be the http(s) URL people and services reach this service at, without a query (https://credentials.example.com)',
    ),
    doc: "the URL people and services reach this service at (`https://credentials.example.com`, no query); Wave calls `<PUBLIC_URL>/api`; the `iss` of the OIDC issuer, whose documents are at `<PUBLIC_URL>/.well-known/…` (a path prefix must reach the service's root). Needed to pair with Wave and for federated credentials",
  },
  SHUTDOWN_GRACE_MS: {
    ...duration('10000', { min: 0, max: 10 * MINUTE }, { plainMs: true }),
    shown: '`10000`',
    doc: 'on SIGTERM/SIGINT, how long requests in flight may take before their connections are cut (0 to 10 minutes)',
  },
});
const g1 = group('Database and master keys', {
  DATABASE_URL: {
    ...matching(/^(file:|postgres(ql)?:\/\/)/, 'must be a file: URL (SQLite) or a postgresql:// URL (PostgreSQL)', 'file:./data/credentials.db'),
    doc: '`file:<path>`: SQLite database file (created 0600, its directory 0700); `postgresql://user:password@host:5432/db[?sslmode=…]`: PostgreSQL (see Several instances)',
  },
  MIGRATE_ON_START: {
    ...flag('true'),
    doc: 'apply pending migrations when the service (or the CLI) opens the database; `false`: refuse to start on a database that lacks a migration, and run `npm run db:migrate` (or `credentials-service db migrate`) as a release step',
  },
  MASTER_KEY_FILE: {
    ...text(),
    shown: '`master-keys.json` beside the SQLite database; `data/master-keys.json` with PostgreSQL',
    doc: 'the key ring that seals secrets; created (mode 0600) on the first start unless `NODE_ENV=production`',
  },
  MASTER_KEYS: {
    ...text(),
    doc: 'keys from the environment instead of a file: `<id>:<base64 of 32 bytes>[,<id>:<base64>…]`, the first is primary',
  },
  ALLOW_KEY_FILE_BESIDE_DATABASE: {
    ...flag('false'),
    doc: "`true` lets production start with the key file in the SQLite database's directory (locally it is allowed, with a warning)",
  },
});
const g2 = group('HTTP', {
  BODY_LIMIT_BYTES: { ...count(256 * 1024, 1024), doc: 'largest request body; larger ones answer 413' },
  REQUEST_BODY_TIMEOUT_MS: {
    ...duration('10000', { min: 100, max: 10 * MINUTE }, { plainMs: true }),
    shown: '`10000`',
    doc: "a request's headers and body must have arrived within this time, else the connection is closed (100 ms to 10 minutes)",
  },
  REQUEST_TIMEOUT_MS: {
    ...duration('30000', { min: 100, max: 10 * MINUTE }, { plainMs: true }),
    shown: '`30000`',
    doc: 'a request must be answered within this time, else 503 with `Retry-After` (100 ms to 10 minutes)',
  },
  KEEP_ALIVE_TIMEOUT_MS: {
    ...duration('5000', { min: 100, max: 10 * MINUTE }, { plainMs: true }),
    shown: '`5000`',
    doc: 'an idle kept-alive connection is closed after this time (100 ms to 10 minutes)',
  },
  MAX_CONNECTIONS: {
    ...count(1_000),
    doc: "connections open at once; further ones are refused until some close (keep it under the process's file-handle limit)",
  },
  TRUST_PROXY: {
    ...entries(isAddressOrRange, 'must be a number of proxy hops, or addresses and CIDR ranges separated by commas', (v) => /^\d+$/.test(v)),
    shown: '(unset: none)',
    doc: "which proxies' `X-Forwarded-For` to believe for the client address: a number of hops, or addresses and CIDR ranges (`10.0.0.0/8,::1`)",
  },
  CORS_ORIGINS: {
    ...entries((o) => /^https?:\/\/[^/\s]+$/.test(o), 'must be origins (scheme://host[:port]) separated by commas'),
    shown: '(unset: none)',
    doc: 'origins whose pages may call the API from a browser, separated by commas (`https://app.example`); no credentials mode (tokens go in the `Authorization` header)',
  },
  AUTH_FAILURES_PER_MINUTE: {
    ...count(20),
    doc: 'failed authentications (a malformed, unknown, revoked or expired token) one client address may make in a minute; further failures get 429 with `Retry-After` (a valid token is always served)',
  },
});
const g3 = group('Metrics', {
  METRICS_TOKEN: {
    ...{ schema: z.string().min(24, 'must be at least 24 characters (a random secret)').optional() },
    doc: 'when set, `GET /metrics` needs `Authorization: Bearer <METRICS_TOKEN>` (at least 24 characters)',
  },
  METRICS_PORT: { ...optionalPort(), doc: 'when set, `/metrics` is served on this port only (and not on `PORT`)' },
  METRICS_HOST: { ...text('127.0.0.1'), doc: 'interface of `METRICS_PORT`' },
});
const g4 = group('GraphQL', {
  GRAPHIQL: { ...flag('true'), shown: '`true` / `false`', doc: 'serve GraphiQL on `GET /graphql` from a browser' },
  GRAPHQL_INTROSPECTION: { ...flag('true'), shown: '`true` / `false`', doc: 'answer schema introspection' },
  GRAPHQL_MAX_DEPTH: { ...count(10), doc: 'deepest selection accepted' },
  GRAPHQL_MAX_ALIASES: { ...count(15), doc: 'aliases per operation' },
  GRAPHQL_MAX_TOKENS: { ...count(2000), doc: 'lexical tokens per document' },
  GRAPHQL_MAX_COST: {
    ...count(100_000),
    doc: "estimated cost per operation (graphql-armor's cost model, which multiplies by a literal `first`); the default lets a page of 100 select every field of every provider (cost ≈ 66,000)",
  },
  GRAPHQL_MAX_DIRECTIVES: { ...count(20), doc: 'directives per operation' },
  GRAPHQL_TRUSTED_DOCUMENTS: {
    ...oneOf(['off', 'only'], 'off', 'must be off or only'),
    doc: '`only`: GraphQL runs the persisted operations and nothing else (GraphiQL and introspection off); needs `GRAPHQL_PERSISTED_OPERATIONS`. The production mode for first-party apps (see [apps](api-graphql.md#apps-a-typed-client))',
  },
  GRAPHQL_PERSISTED_OPERATIONS: {
    ...text(),
    doc: 'a persisted operations file (`{"<sha256 of the text>": "<document>"}`, e.g. `examples/app/persisted-operations.json`): these documents can be sent by hash (`extensions.persistedQuery.sha256Hash`); checked at start',
  },
});
const g5 = group('Limits', {
  MAX_CREDENTIALS_PER_CONTEXT: {
    ...count(10_000, 1),
    doc: "live credentials one context (a user's own, a workspace) may hold; a create beyond answers 409 (`LimitReachedError`)",
  },
  MAX_PIPELINE_SECRETS_PER_CONTEXT: {
    ...count(1_000, 1, 100_000),
    doc: "pipeline secrets one context (a user's own, a workspace) may hold; a create beyond answers 409 (`LimitReachedError`)",
  },
  MAX_ORGANIZATIONS_PER_USER: {
    ...count(20, 1),
    doc: "organizations a user may create (own); beyond, `LimitReachedError` (the operator's `orgs create` is not limited)",
  },
  MAX_TOKENS_PER_USER: {
    ...count(50, 1, 10_000),
    doc: 'live access tokens a user may make for themselves (`createAccessToken`, `POST /api/tokens`); beyond, `LimitReachedError` / 409 (see [sign-in](sign-in.md))',
  },
});
const g6 = group('Credentials', {
  CREDENTIAL_VERSIONS_KEPT: {
    ...count(10, 1, 100),
    doc: 'versions of key material kept per credential (1 to 100); older ones are destroyed as new ones are made (see [versions](api-graphql.md#nothing-is-lost-versions-restore-deletion-expiry))',
  },
  CREDENTIAL_RECOVERY_WINDOW: {
    ...duration('7d', { min: 60_000, max: 365 * DAY }, { zero: 'purge at once' }),
    doc: 'how long a deleted credential (or pipeline secret) can be undeleted before its sealed material (value) is destroyed (`1m` to `365d`, or `0`: destroyed at once)',
  },
  AUDIT_READS: {
    ...flag('false'),
    doc: '`true`: every describe and list of credentials is audited too (`credential.read`, `credential.list`), written before the answer (a read whose row cannot be written fails). Its cost is measured by `npm run bench:audit-reads` (see [performance](performance.md#auditing-reads))',
  },
});
const g7 = group('Provider probes (validation)', {
  VALIDATION_ALLOWED_HOSTS: {
    ...hosts(),
    shown: '(unset: none)',
    doc: "hosts a validation probe may call besides the providers' public endpoints, `host` or `host:port` separated by commas (`git.internal:8443,[fd00::5]`); plain http is allowed for these only (see [validation](api-rest.md#validation))",
  },
  VALIDATION_TIMEOUT_MS: {
    ...duration('5000', { min: 100, max: 60_000 }, { plainMs: true }),
    shown: '`5000`',
    doc: "how long one validation's calls to a provider may take in all; past it the outcome is transient (100 ms to 60 s)",
  },
  VALIDATION_PROBES_IN_FLIGHT: {
    ...count(16, 1, 1000),
    doc: "validations probing at once on an instance (people's; the background sweep has its own lanes); more answer 503 with `Retry-After`",
  },
  VALIDATION_PROBES_PER_OWNER: {
    ...count(4, 1, 1000),
    doc: "of those, how many one owner's credentials (a user's own, a workspace's) may hold: one user's slow credentials never take everyone's slots. Also the most `validateCredential` fields one GraphQL request may hold (fewer when `VALIDATION_TIMEOUT_MS` that many times would not fit in `REQUEST_TIMEOUT_MS`)",
  },
  VALIDATE_EVERY: {
    ...duration(undefined, { min: 10_000, max: 365 * DAY }, { off: true }),
    shown: '`off`',
    doc: 're-validate every credential in the background once per period (`30m`, `24h`, `7d`; 10 s to 365 d), spread over it; one instance at a time',
  },
  VALIDATION_SWEEP_CONCURRENCY: {
    ...count(4, 1, 64),
    doc: "probes the background sweep runs at once (1 to 64); one owner's credentials hold at most half of them",
  },
  AWS_STS_ENDPOINT: {
    ...{ schema: z.string().url('must be a URL (https://sts.<region>.amazonaws.com)').optional() },
    shown: '`https://sts.amazonaws.com`',
    doc: 'the STS endpoint of the AWS probe and of role deliveries (a regional one, or a VPC endpoint allowed in `VALIDATION_ALLOWED_HOSTS`)',
  },
});
const g8 = group('Delivery and pairings', {
  PAIRING_ALLOWED_HOSTS: {
    ...hosts(),
    shown: '(unset: none)',
    doc: 'hosts a pairing call may reach (a Wave instance), `host` or `host:port` separated by commas; nothing else is called',
  },
  WAVE_PAIRING_RENEW_EVERY: {
    ...duration('12h', { min: 60_000, max: 7 * DAY }),
    doc: "a Wave pairing last confirmed longer ago than this is asked for again (`1m` to `7d`; keep it under Wave's lease, a day by default)",
  },
  WAVE_PAIRING_GRACE: {
    ...duration('1h', { min: 60_000, max: DAY }),
    doc: 'how long a Wave pairing that Wave replaced (a new pairing id and key) is still accepted (`1m` to `1d`)',
  },
  DIRECT_DELIVERY: {
    ...flag('true'),
    doc: "`false`: nothing is delivered to a caller's own key (`deliverSecrets`, `POST /api/deliveries`, the client) in any context, whatever the workspaces set (see [the client](client.md))",
  },
  DIRECT_DELIVERIES_PER_MINUTE: {
    ...count(60, 1, 1_000_000),
    doc: "deliveries to a caller's own key one user may ask for in a minute, on each instance, whatever their tokens; beyond, 429 (`TOO_MANY_DELIVERIES`)",
  },
  CLIENT_TOKEN_LIFETIME: {
    ...duration('12h', { min: 5 * 60_000, max: 30 * DAY }),
    doc: "how long the token `credentials login` makes in a browser lasts (`5m` to `30d`; never past the person's session); scope `keys:read`, listed among their tokens",
  },
  AWS_ASSUME_ROLE_ON_DELIVERY: {
    ...flag('true'),
    doc: 'deliver an AWS role (`mode` `role` or `federated`) as temporary credentials from STS; `false`: as stored (see [short-lived credentials](delivery.md))',
  },
  AWS_SESSION_DURATION: {
    ...duration('1h', { min: 15 * 60_000, max: 12 * 3_600_000 }),
    doc: "how long those temporary credentials last (`15m` to `12h`; the role's maximum session duration must allow it)",
  },
  AWS_ACCESS_KEY_ID: {
    ...matching(/^[A-Z0-9]{16,128}$/, 'must be an AWS access key id (AKIA…)'),
    doc: "the service's own AWS identity for assuming roles; unset: the AWS SDK's default chain (instance profile, task role, `~/.aws`)",
  },
  AWS_SECRET_ACCESS_KEY: {
    ...text(),
    doc: "the service's own AWS identity for assuming roles; unset: the AWS SDK's default chain (instance profile, task role, `~/.aws`)",
  },
  AWS_SESSION_TOKEN: {
    ...text(),
    doc: "the service's own AWS identity for assuming roles; unset: the AWS SDK's default chain (instance profile, task role, `~/.aws`)",
  },
  AWS_TRUST_PRINCIPAL_ARN: {
    ...matching(
      /^arn:aws[a-z-]*:iam::\d{12}:(root|(role|user)\/[\w+=,.@/-]{1,512})$/,
      'must be an IAM principal ARN (arn:aws:iam::<account>:role/<name>, user/<name> or root)',
    ),
    doc: "the IAM principal this installation assumes customers' roles as: describe of an AWS credential in role mode then shows the role's trust policy (`setupSnippet`)",
  },
});
const g9 = group('This service as an OIDC issuer (PUBLIC_URL)', {
  OIDC_KEY_ROTATE_EVERY: {
    ...duration('30d', { min: 3_600_000, max: 365 * DAY }),
    doc: 'the OIDC issuer (`PUBLIC_URL`) makes a new signing key this often; the replaced one stays in the JWKS as long again (`1h` to `365d`)',
  },
  OIDC_TOKEN_LIFETIME: {
    ...duration('1h', { min: 60_000, max: 3_600_000 }),
    doc: "lifetime of a federated credential's ID token (`1m` to `1h`)",
  },
});
const g10 = group('People sign-in (an identity provider)', {
  OIDC_ISSUER: {
    ...{ schema: z.string().url('must be the issuer URL of your identity provider (https://login.example.com/realms/acme)').optional() },
    shown: '(unset: no sign-in)',
    doc: "your identity provider's issuer URL: people sign in from the landing page (see [sign-in](sign-in.md)); needs `OIDC_CLIENT_ID` and `PUBLIC_URL` (the redirect URI is `<PUBLIC_URL>/auth/callback`); https in production",
  },
  OIDC_PROVIDERS: {
    ...text(),
    doc: 'a JSON file of more identity providers, `[{"name", "label", "issuer", "clientId", "clientSecret"?}]`: the landing page offers each (`/auth/login?provider=<name>`); with or without `OIDC_ISSUER` (whose provider is `default`)',
  },
  OIDC_CLIENT_ID: {
    ...text(undefined, 500),
    doc: 'the client registered at the provider (a public client with PKCE only: no secret)',
  },
  OIDC_CLIENT_SECRET: {
    ...text(undefined, 1000),
    doc: 'the client registered at the provider (a public client with PKCE only: no secret)',
  },
  OIDC_GROUPS_CLAIM: {
    ...text('groups', 100),
    doc: "the claim (ID token or userinfo) that lists a person's groups",
  },
  OIDC_GROUP_ROLES: {
    ...{ schema: z.string().optional() },
    doc: 'groups to workspace roles, `group=<org>/<workspace>:<ROLE>` separated by commas, re-applied at every sign-in',
  },
  OIDC_ALLOWED_EMAIL_DOMAINS: {
    ...{ schema: z.string().optional() },
    shown: '(unset: anyone the provider signs in)',
    doc: 'only people with a verified e-mail of these domains (comma-separated) may sign in',
  },
  OIDC_LINK_BY_EMAIL: {
    ...flag('false'),
    doc: '`true`: a first sign-in becomes the operator-made user with the same verified e-mail (and no identity yet)',
  },
  SESSION_IDLE: {
    ...duration('2h', { min: 60_000, max: 7 * DAY }),
    doc: 'a browser session is refused once idle this long (`1m` to `7d`)',
  },
  SESSION_LIFETIME: {
    ...duration('12h', { min: 5 * 60_000, max: 30 * DAY }),
    doc: 'a browser session is refused this long after sign-in (`5m` to `30d`)',
  },
});
const g11 = group('Machine sign-in (CI issuers)', {
  OIDC_MACHINE_ISSUERS: {
    ...text(),
    shown: '(unset: none)',
    doc: "a JSON file of trusted machine issuers (GitHub Actions, GitLab CI, Kubernetes) and their rules: a CI job's OIDC token is exchanged at `POST /api/auth/oidc` for a short-lived access token (format: [sign-in](sign-in.md#ci-jobs-an-oidc-token-instead-of-a-stored-secret)); a mistake stops the start",
  },
});
const g12 = group('Webhooks and live subscriptions', {
  WEBHOOK_ALLOWED_HOSTS: {
    ...hosts(),
    shown: '(unset: none)',
    doc: 'hosts a webhook may call besides public https hosts, `host` or `host:port` separated by commas (`hooks.internal:8443,10.0.0.7`); plain http and private addresses are allowed for these only (see [events](api-graphql.md#events-webhooks-and-live-subscriptions))',
  },
  WEBHOOK_TIMEOUT_MS: {
    ...duration('10000', { min: 100, max: 60_000 }, { plainMs: true }),
    shown: '`10000`',
    doc: 'how long a receiver may take to answer one delivery (100 ms to 60 s); past it the attempt failed and is retried',
  },
  WEBHOOK_RETRY_FOR: {
    ...duration('24h', { min: 60_000, max: 7 * DAY }),
    doc: "how long a webhook's deliveries may fail (the endpoint retried after as long as it has been failing: 5 s, 5 s, 10 s, … at most an hour apart) before it is disabled (`1m` to `7d`)",
  },
  WEBHOOKS_PER_CONTEXT: {
    ...count(20, 1, 1000),
    doc: "webhooks one context (a user's own, a workspace) may have (1 to 1,000)",
  },
  WEBHOOKS_PER_USER: {
    ...count(50, 1, 10_000),
    doc: 'webhooks one user may answer for (create or resume), in all their contexts (1 to 10,000)',
  },
  SUBSCRIPTIONS_PER_TOKEN: {
    ...count(5, 1, 100),
    doc: 'live GraphQL subscriptions one access token may hold open at once on an instance (1 to 100)',
  },
  SUBSCRIPTIONS_PER_USER: {
    ...count(10, 1, 1000),
    doc: 'live subscriptions one user may hold open at once on an instance, whatever their tokens (1 to 1,000)',
  },
  SUBSCRIPTIONS_PER_INSTANCE: {
    ...count(1000, 1, 100_000),
    doc: 'live subscriptions open at once on an instance, all users together (1 to 100,000)',
  },
  SUBSCRIPTION_BACKLOG_BYTES: {
    ...count(256 * 1024, 16 * 1024, 64 * 1024 * 1024),
    doc: "a stream whose client leaves more than this many bytes of events unread (the server's write buffer) is cut off with an error event (16 KiB to 64 MiB); with `SUBSCRIPTIONS_PER_INSTANCE`, it bounds what slow clients can hold (256 MiB at the defaults)",
  },
});

export const SETTINGS = {
  ...g0,
  ...g1,
  ...g2,
  ...g3,
  ...g4,
  ...g5,
  ...g6,
  ...g7,
  ...g8,
  ...g9,
  ...g10,
  ...g11,
  ...g12,
} as const satisfies Record<string, Setting>;

export type SettingName = keyof typeof SETTINGS;

/** The settings' schema: each variable by its kind. */
export const settingsSchema = z.object(
  Object.fromEntries(Object.entries(SETTINGS).map(([name, setting]) => [name, setting.schema])) as { [N in SettingName]: (typeof SETTINGS)[N]['schema'] },
);
