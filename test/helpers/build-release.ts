/**
 * Before the system tier: the compiled release in dist/ built from the current sources (scripts/ensure-build.mjs
 * rebuilds it when a source is newer than the build, as `npm start` does), so that its processes run what the
 * checkout holds. Once per run, before any process starts.
 */
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';

export default function setup(): void {
  execFileSync(process.execPath, ['scripts/ensure-build.mjs'], { cwd: resolve(import.meta.dirname, '../..'), stdio: ['ignore', 'inherit', 'inherit'] });
}
