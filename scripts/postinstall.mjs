// After npm install / npm ci: with the dev dependencies (a development install), generate the Prisma clients and
// then compile the release, so that `npm start` serves at once. Without them (npm ci
// --omit=dev on a built tree, as the container does) there is nothing to generate or compile.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const tools = existsSync('node_modules/typescript/bin/tsc') && existsSync('node_modules/prisma/build/index.js');
if (!tools) {
  if (!existsSync('dist/.build-stamp')) process.stderr.write('postinstall: no build tools and no compiled release in dist/ (run npm ci, then npm run build)\n');
  process.exit(0);
}
for (const script of ['generate', 'build']) execFileSync('npm', ['run', '-s', script], { stdio: 'inherit' });
