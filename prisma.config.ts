import { existsSync } from 'node:fs';
import { defineConfig } from 'prisma/config';

// Prisma's own CLI reads the service's settings: DATABASE_URL (from the environment, or .env as the service
// reads it), with the schema and migrations of that database. The service migrates itself through the
// WebAssembly schema engine (src/platform/db/migrate.ts: MIGRATE_ON_START, npm run db:migrate); `prisma migrate status`
// and `prisma migrate deploy` work too where Prisma's native engine can be downloaded.
if (existsSync('.env')) process.loadEnvFile('.env');
const url = process.env.DATABASE_URL ?? 'file:./data/credentials.db';
const postgres = /^postgres(ql)?:\/\//.test(url);

export default defineConfig({
  schema: postgres ? 'prisma/postgres/schema.prisma' : 'prisma/schema.prisma',
  migrations: { path: postgres ? 'prisma/postgres/migrations' : 'prisma/migrations' },
  datasource: { url },
});
