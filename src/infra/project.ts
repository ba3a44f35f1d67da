/** Where the project is on disk: the same from the sources (src/) and from the compiled release (dist/). */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The project's directory (where package.json is): the same from the sources
 * (src/db) and from the compiled release (dist/db).
 */
export function projectRoot(from = import.meta.dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'prisma'))) return dir;
    if (dirname(dir) === dir) throw new Error(`No project directory (with package.json and prisma/) above ${from}`);
  }
}
