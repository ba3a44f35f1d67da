/**
 * prisma/schema.prisma (SQLite) is the one source of truth for the models.
 * Prisma needs a schema and a generated client per database provider, so the
 * PostgreSQL schema is derived from it: same models, fields and indexes, another
 * datasource and client output. `npm run db:postgres-schema` writes it; a test
 * fails when the committed file is not what this derives.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PRISMA_DIR, SCHEMA_PATH } from '../src/platform/db/paths.js';

export const POSTGRES_DIR = join(PRISMA_DIR, 'postgres');
export const POSTGRES_SCHEMA_PATH = join(POSTGRES_DIR, 'schema.prisma');
export const POSTGRES_MIGRATIONS_DIR = join(POSTGRES_DIR, 'migrations');

export function postgresSchema(sqliteSchema = readFileSync(SCHEMA_PATH, 'utf8')): string {
  const blocks = sqliteSchema.split(/\n(?=generator |datasource |model |enum )/);
  const replaced = blocks
    .filter((block) => !block.startsWith('generator pothos'))
    .map((block) => {
      if (block.startsWith('generator client')) return block.replace(/(output\s*=\s*)"[^"]*"/, '$1"../../src/generated/prisma-postgres"');
      if (block.startsWith('datasource db')) return block.replace(/provider\s*=\s*"sqlite"/, 'provider = "postgresql"');
      if (block.startsWith('//')) {
        return '// GENERATED from prisma/schema.prisma by `npm run db:postgres-schema`: edit that file, not this one.\n// The same models for PostgreSQL; migrations under ./migrations.\n';
      }
      return block;
    });
  const schema = replaced.join('\n');
  if (!schema.includes('provider = "postgresql"') || !schema.includes('prisma-postgres')) {
    throw new Error('prisma/schema.prisma no longer has the generator/datasource blocks this derivation expects');
  }
  return schema;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  writeFileSync(POSTGRES_SCHEMA_PATH, postgresSchema());
  console.log(`Wrote ${POSTGRES_SCHEMA_PATH}`);
}
