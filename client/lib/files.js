// @ts-check
/**
 * Files that hold values for a while: in a directory of their own (0700) under the system's temporary directory,
 * each 0600, written atomically (a temporary name renamed into place). The directory and all in it are removed
 * when the command ends — on its own, on SIGINT/SIGTERM/SIGHUP, or at the process's exit.
 */
import { chmodSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Writes `content` to `path`, 0600, atomically. @param {string} path @param {string} content */
export function writePrivate(path, content) {
  const temporary = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    writeFileSync(temporary, content, { mode: 0o600, flag: 'wx' });
    chmodSync(temporary, 0o600);
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}

/**
 * The value a planned variable takes in an environment: its own, or — for a file-valued one (variables.js) — the
 * path of a 0600 file in `dir` holding it, written now.
 * @param {{ variable: string, value: string, file?: string }} item @param {string | undefined} dir
 */
export function variableValue(item, dir) {
  if (!item.file || !dir) return item.value;
  const path = join(dir, `${item.variable.toLowerCase()}-${item.file}`);
  writePrivate(path, item.value);
  return path;
}

/** A 0700 directory for this run's files, removed at exit. */
export function privateDirectory() {
  const dir = mkdtempSync(join(tmpdir(), 'credentials-'));
  chmodSync(dir, 0o700);
  const remove = () => rmSync(dir, { recursive: true, force: true });
  process.once('exit', remove);
  return { dir, remove };
}
