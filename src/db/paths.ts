/** Where the Prisma schemas and migrations of each database provider live. */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Provider } from '../infra/database-url.js';

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

/** The schema and migrations of a provider. */
export function prismaFiles(provider: Provider): { schemaPath: string; migrationsDir: string } {
  return provider === 'sqlite'
    ? { schemaPath: SCHEMA_PATH, migrationsDir: MIGRATIONS_DIR }
    : { schemaPath: join(PRISMA_DIR, 'postgres', 'schema.prisma'), migrationsDir: join(PRISMA_DIR, 'postgres', 'migrations') };
}
