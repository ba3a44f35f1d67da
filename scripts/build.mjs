// npm run build: compiles src/ to dist/ (tsconfig.build.json), from a clean dist/, and stamps it.
// The stamp lets `npm start` (prestart: scripts/ensure-build.mjs) tell a stale build from a fresh one.
import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';

rmSync('dist', { recursive: true, force: true });
execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
writeFileSync('dist/.build-stamp', `${new Date().toISOString()}\n`);
