import { defineConfig } from 'prisma/config';

// Only `prisma generate` is used from the CLI (see README: the native schema
// engine cannot be downloaded offline; migrations run through the WebAssembly
// engine in src/db/migrate.ts).
export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
});
