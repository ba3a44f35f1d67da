/** Settings from the environment: the one place that reads process.env. */
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { providerOf, sqlitePath } from './db/paths.js';

const count = (fallback: number, min = 1) => z.coerce.number().int().min(min).default(fallback);

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
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).default(256 * 1024),
  GRAPHIQL: z.enum(['true', 'false']).optional(),
  GRAPHQL_INTROSPECTION: z.enum(['true', 'false']).optional(),
  GRAPHQL_MAX_DEPTH: count(10),
  GRAPHQL_MAX_ALIASES: count(15),
  GRAPHQL_MAX_TOKENS: count(2000),
  GRAPHQL_MAX_COST: count(100_000),
  GRAPHQL_MAX_DIRECTIVES: count(20),
  AUTH_FAILURES_PER_MINUTE: count(20),
  SHUTDOWN_GRACE_MS: count(10_000, 0),
});

export type Config = {
  /** NODE_ENV=production: a master key must be configured; development conveniences are off. */
  production: boolean;
  port: number;
  host: string;
  databaseUrl: string;
  masterKeyFile: string;
  /** MASTER_KEYS, when the keys come from the environment rather than a file. */
  masterKeys: string | undefined;
  logLevel: z.infer<typeof schema>['LOG_LEVEL'];
  bodyLimitBytes: number;
  graphiql: boolean;
  graphql: GraphQLLimits;
  /** Failed authentications a client may make in a minute before it gets 429. */
  authFailuresPerMinute: number;
  /** On SIGTERM/SIGINT: how long requests in flight may take before their connections are cut. */
  shutdownGraceMs: number;
};

export interface GraphQLLimits {
  introspection: boolean;
  /** Field suggestions ("did you mean …") reveal the schema: development only. */
  fieldSuggestions: boolean;
  maxDepth: number;
  maxAliases: number;
  maxTokens: number;
  maxCost: number;
  maxDirectives: number;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`Invalid configuration: ${problems}`);
  }
  const e = parsed.data;
  const production = e.NODE_ENV === 'production';
  return {
    production,
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    // The master key lives beside the SQLite database by default (see README, Security);
    // with PostgreSQL, in ./data (several instances need the same keys: MASTER_KEYS or a shared file).
    masterKeyFile:
      e.MASTER_KEY_FILE ??
      (providerOf(e.DATABASE_URL) === 'sqlite' ? join(dirname(sqlitePath(e.DATABASE_URL)), 'master-keys.json') : join('data', 'master-keys.json')),
    masterKeys: e.MASTER_KEYS,
    logLevel: e.LOG_LEVEL,
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    // GraphiQL and introspection are on by default, and stay switchable in production.
    graphiql: (e.GRAPHIQL ?? 'true') === 'true',
    graphql: {
      introspection: (e.GRAPHQL_INTROSPECTION ?? 'true') === 'true',
      fieldSuggestions: e.NODE_ENV === 'development',
      maxDepth: e.GRAPHQL_MAX_DEPTH,
      maxAliases: e.GRAPHQL_MAX_ALIASES,
      maxTokens: e.GRAPHQL_MAX_TOKENS,
      maxCost: e.GRAPHQL_MAX_COST,
      maxDirectives: e.GRAPHQL_MAX_DIRECTIVES,
    },
    authFailuresPerMinute: e.AUTH_FAILURES_PER_MINUTE,
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
  };
}
