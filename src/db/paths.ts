/** Where the Prisma schemas and migrations of each database provider live, and what a DATABASE_URL names. */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/**
 * The project's directory (where package.json is): the same from the sources
 * (src/db) and from the compiled release (dist/db).
 */
export function projectRoot(from = import.meta.dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'prisma'))) return dir;
    if (dirname(dir) === dir) throw new Error(`No project directory (with package.json and prisma/) above ${from}`);
  }
}

export const PRISMA_DIR = join(projectRoot(), 'prisma');
export const SCHEMA_PATH = join(PRISMA_DIR, 'schema.prisma');
export const MIGRATIONS_DIR = join(PRISMA_DIR, 'migrations');

export type Provider = 'sqlite' | 'postgresql';

/** `file:` selects SQLite, `postgres://` or `postgresql://` PostgreSQL. */
export function providerOf(databaseUrl: string): Provider {
  if (databaseUrl.startsWith('file:')) return 'sqlite';
  if (/^postgres(ql)?:\/\//.test(databaseUrl)) return 'postgresql';
  throw new Error(`Unsupported DATABASE_URL '${redactUrl(databaseUrl)}': expected file:<path> (SQLite) or postgresql://… (PostgreSQL)`);
}

/** The file path of a `file:` DATABASE_URL, resolved against the working directory. */
export function sqlitePath(databaseUrl: string): string {
  if (providerOf(databaseUrl) !== 'sqlite') throw new Error('Not a SQLite (file:) DATABASE_URL');
  return resolve(databaseUrl.slice('file:'.length).split('?')[0]!);
}

/** The schema and migrations of a provider. */
export function prismaFiles(provider: Provider): { schemaPath: string; migrationsDir: string } {
  return provider === 'sqlite'
    ? { schemaPath: SCHEMA_PATH, migrationsDir: MIGRATIONS_DIR }
    : { schemaPath: join(PRISMA_DIR, 'postgres', 'schema.prisma'), migrationsDir: join(PRISMA_DIR, 'postgres', 'migrations') };
}

/** A database URL fit for logs and messages: the password is hidden. */
export function redactUrl(databaseUrl: string): string {
  return databaseUrl.replace(/^([a-z]+:\/\/[^:/@]+):[^@]*@/i, '$1:***@');
}
