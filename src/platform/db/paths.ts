/** Where the Prisma schemas and migrations of each database provider live. */
import { join } from 'node:path';
import type { Provider } from '../../infra/database-url.js';
import { projectRoot } from '../../infra/project.js';

export { projectRoot };

export const PRISMA_DIR = join(projectRoot(), 'prisma');
export const SCHEMA_PATH = join(PRISMA_DIR, 'schema.prisma');
export const MIGRATIONS_DIR = join(PRISMA_DIR, 'migrations');

/** The schema and migrations of a provider. */
export function prismaFiles(provider: Provider): { schemaPath: string; migrationsDir: string } {
  return provider === 'sqlite'
    ? { schemaPath: SCHEMA_PATH, migrationsDir: MIGRATIONS_DIR }
    : { schemaPath: join(PRISMA_DIR, 'postgres', 'schema.prisma'), migrationsDir: join(PRISMA_DIR, 'postgres', 'migrations') };
}
