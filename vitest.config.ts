import { accessSync, chmodSync, constants, mkdtempSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';
import { loadScale } from './test/helpers/load-scale.js';

// Every time limit of the tests grows with the machine's load, as .ci/run sets it: 1 on an idle machine, +1 for
// each load of the cores' number (at most 4). TEST_TIMEOUT_SCALE, when set, wins. Set here for the whole run (the
// test workers inherit it: test/helpers/time.ts reads it).
if (!process.env.TEST_TIMEOUT_SCALE) {
  process.env.TEST_TIMEOUT_SCALE = String(loadScale());
}
const scale = Math.max(1, Number(process.env.TEST_TIMEOUT_SCALE) || 1);

/**
 * Tests keep their temporary files (each server's SQLite database, keys, backups) on the machine's memory file
 * system when it has one (TMPDIR, which the processes they start inherit): the databases commit with
 * `synchronous = FULL`, and a disk's fsyncs were a fifth of the time. What they check is behaviour: a process killed
 * mid-write loses nothing the kernel holds, disk or not (only a machine's power cut needs the disk, which no test
 * here can make).
 */
function memoryTmpdir(): Record<string, string> {
  try {
    accessSync('/dev/shm', constants.W_OK);
  } catch {
    return {};
  }
  // A directory of the run's own, removed after it (test/helpers/global-setup.ts): what a test leaves behind does
  // not stay in the machine's memory. Open to every user as /tmp is (sticky): some tests run the service as another
  // user; what each test makes in it is its own (mkdtemp: 0700).
  if (!process.env.CREDENTIALS_TEST_TMPDIR) {
    process.env.CREDENTIALS_TEST_TMPDIR = mkdtempSync('/dev/shm/credentials-run-');
    chmodSync(process.env.CREDENTIALS_TEST_TMPDIR, 0o1777);
  }
  return { TMPDIR: process.env.CREDENTIALS_TEST_TMPDIR };
}

export default defineConfig({
  resolve: {
    // graphql 16 has no exports map: Node loads its CJS build, Vite would pick
    // its ESM build for our sources. One copy, as in production.
    alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }],
  },
  test: {
    // Two files at a time at least (vitest's default leaves one core free: one worker on two cores); most of
    // a test's time is waiting on a server, a socket or a timer.
    maxWorkers: Math.max(2, availableParallelism()),
    // Generous, and scaled on a loaded machine (TEST_TIMEOUT_SCALE; CI sets it from the load).
    testTimeout: 30_000 * scale,
    // No test resolves a name but localhost (a probe pointed at the internet by mistake fails).
    setupFiles: ['test/helpers/no-internet.ts'],
    // The usual report, and a hint when tests failed on a time limit (the load, TEST_TIMEOUT_SCALE).
    reporters: ['default', './test/helpers/timeout-reporter.ts'],
    // A migrated database, copied by each test server instead of migrating its own.
    globalSetup: ['test/helpers/global-setup.ts'],
    env: memoryTmpdir(),
    // Transformed sources kept on disk between runs (node_modules/.experimental-vitest-cache, keyed by each file's content):
    // a second run transforms only what changed.
    experimental: { fsModuleCache: true },
    hookTimeout: 60_000 * scale,
    projects: [
      {
        extends: true,
        // In-process: the app on Fastify with a temporary database, the service and stores.
        // Files share a worker's loaded modules (each still builds its own servers and databases).
        // Worker threads: a worker starts faster and shares the run's memory (no test here needs a process of its own).
        test: { name: 'fast', include: ['test/fast/**/*.test.ts'], isolate: false, pool: 'threads' },
      },
      {
        extends: true,
        // Real processes: npm start, the CLI, two instances, signals and crashes.
        // (They run the compiled release: built first from the current sources when stale.)
        // Files share a worker's loaded modules too (the app's, for the tests that run a server in-process).
        test: { name: 'system', include: ['test/system/**/*.test.ts'], isolate: false, globalSetup: ['test/helpers/build-release.ts'] },
      },
    ],
  },
});
