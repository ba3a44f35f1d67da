import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // graphql 16 has no exports map: Node loads its CJS build, Vite would pick
    // its ESM build for our sources. One copy, as in production.
    alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }],
  },
  test: {
    testTimeout: 30_000,
    // No test resolves a name but localhost (a probe pointed at the internet by mistake fails).
    setupFiles: ['test/helpers/no-internet.ts'],
    hookTimeout: 60_000,
    projects: [
      {
        extends: true,
        // In-process: the app on Fastify with a temporary database, the service and stores.
        // Files share a worker's loaded modules (each still builds its own servers and databases).
        test: { name: 'fast', include: ['test/fast/**/*.test.ts'], isolate: false },
      },
      {
        extends: true,
        // Real processes: npm start, the CLI, two instances, signals and crashes.
        test: { name: 'system', include: ['test/system/**/*.test.ts'] },
      },
    ],
  },
});
