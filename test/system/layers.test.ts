/**
 * The layer rules hold for folders that do not exist yet: a new top-level
 * folder of src/ is refused until it is placed, cannot reach src/db, and two
 * folders that import each other through different files are a circle.
 * (Checked on a small tree of its own, with the project's own rules.)
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { root } from '../helpers/process.js';

let dir: string;
const write = (path: string, text: string) => {
  mkdirSync(dirname(join(dir, path)), { recursive: true });
  writeFileSync(join(dir, path), text);
};
/** Runs a check in the tree; its exit code and everything it printed. */
function check(args: string[]): { code: number; out: string } {
  try {
    return { code: 0, out: execFileSync(process.execPath, args, { cwd: dir, encoding: 'utf8', stdio: 'pipe' }) };
  } catch (error) {
    const e = error as { status: number; stdout: string; stderr: string };
    return { code: e.status, out: `${e.stdout}${e.stderr}` };
  }
}
const depcruise = [join(root, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs'), 'src', '--config', join(root, '.dependency-cruiser.cjs')];
const folderCycles = ['--import', pathToFileURL(join(root, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href, join(root, 'tools', 'check-folder-cycles.ts')];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'credentials-layers-'));
  write('tsconfig.json', JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext' } }));
  write('src/db/store.ts', 'export const rows = [];\n');
  write('src/domain/a/one.ts', "import { rows } from '../../db/store.js';\nexport const one = rows;\n");
  write('src/domain/a/two.ts', "import { three } from '../b/three.js';\nexport const two = three;\n");
  write('src/domain/b/three.ts', 'export const three = 3;\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the layer rules', () => {
  it('accept a tree that keeps them', () => {
    expect(check(depcruise)).toMatchObject({ code: 0 });
    expect(check(folderCycles).code).toBe(0);
  });

  it('refuse a new top-level folder of src/ that imports src/db', () => {
    write('src/events/listener.ts', "import { rows } from '../db/store.js';\nexport const listener = rows;\n");
    try {
      const result = check(depcruise);
      expect(result.code).not.toBe(0);
      expect(result.out).toContain('every-folder-is-in-a-layer');
      expect(result.out).toContain('only-storage-domain-and-wiring-reach-the-database');
    } finally {
      rmSync(join(dir, 'src/events'), { recursive: true });
    }
  });

  it('refuse two folders that import each other through different files (no file-level circle)', () => {
    write('src/domain/b/four.ts', "import { one } from '../a/one.js';\nexport const four = one;\n");
    try {
      expect(check(depcruise).code).toBe(0);
      const result = check(folderCycles);
      expect(result.code).toBe(1);
      expect(result.out).toContain('folders that import each other: src/domain/a, src/domain/b');
    } finally {
      rmSync(join(dir, 'src/domain/b/four.ts'));
    }
  });
});
