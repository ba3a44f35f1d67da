/** Settings from the environment: the one place that reads process.env. */
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { sqlitePath } from './db/client.js';

const schema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().min(1).default('0.0.0.0'),
  DATABASE_URL: z.string().startsWith('file:', 'must be a file: URL (SQLite)').default('file:./data/credentials.db'),
  MASTER_KEY_FILE: z.string().min(1).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).default(256 * 1024),
  GRAPHIQL: z.enum(['true', 'false']).default('true').transform((v) => v === 'true'),
});

export type Config = {
  port: number;
  host: string;
  databaseUrl: string;
  masterKeyFile: string;
  logLevel: z.infer<typeof schema>['LOG_LEVEL'];
  bodyLimitBytes: number;
  graphiql: boolean;
};

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`Invalid configuration: ${problems}`);
  }
  const e = parsed.data;
  return {
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    // The master key lives beside the database by default (see README, Security).
    masterKeyFile: e.MASTER_KEY_FILE ?? join(dirname(sqlitePath(e.DATABASE_URL)), 'master-keys.json'),
    logLevel: e.LOG_LEVEL,
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    graphiql: e.GRAPHIQL,
  };
}
