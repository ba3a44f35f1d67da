// Before `npm start` (in its own process: `node --import ./scripts/ensure-build.mjs dist/main.js`, no node of its
// own to boot) and `npm run cli`: the compiled release in dist/ must be there and not older than the
// sources. In a development tree a stale or missing build is rebuilt (and the Prisma clients regenerated when
// the schema changed); a release tree (no src/, or no build tools: npm ci --omit=dev) is used as it is.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const STAMP = 'dist/.build-stamp';
const tools = existsSync('node_modules/typescript/bin/tsc') && existsSync('node_modules/prisma/build/index.js');

/** The newest modification time under `dir` (files only). */
function newest(dir) {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

const run = (script) => execFileSync('npm', ['run', '-s', script], { stdio: ['ignore', 'inherit', 'inherit'] });

if (!existsSync(STAMP)) {
  if (!tools) {
    process.stderr.write('No compiled release in dist/ and no build tools: install with the dev dependencies (npm ci) and run npm run build.\n');
    process.exit(1);
  }
  run('build');
} else if (tools && existsSync('src')) {
  const built = statSync(STAMP).mtimeMs;
  const schemas = Math.max(statSync('prisma/schema.prisma').mtimeMs, statSync('prisma/postgres/schema.prisma').mtimeMs);
  if (schemas > statSync('src/generated/prisma/client.ts').mtimeMs) run('generate');
  if (newest('src') > built) {
    process.stderr.write('The sources changed since the last build: building.\n');
    run('build');
  }
}
