/** File-system steps the service's own files share. */
import { mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Makes `path` and its missing parents (each with `mode`), one level at a time. (Node's recursive mkdir never
 * returns for a path under a directory that refuses new entries with ENOENT, as /proc does: a misplaced
 * DATABASE_URL would hang the start instead of saying so.) An error names the directory that could not be made.
 */
export function makeDirectories(path: string, mode: number): void {
  try {
    if (statSync(path).isDirectory()) return;
    throw Object.assign(new Error(`ENOTDIR: not a directory, mkdir '${path}'`), { code: 'ENOTDIR', syscall: 'mkdir', path });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const parent = dirname(path);
  if (parent !== path) makeDirectories(parent, mode);
  try {
    mkdirSync(path, { mode });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
}
