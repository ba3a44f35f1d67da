/**
 * The layer rules hold for code that does not exist yet: each rule of
 * .dependency-cruiser.cjs and of tools/ is shown failing on a small tree of its
 * own (one offending file added to a tree that keeps them all), with the
 * project's own configuration and tools. dependency-cruiser's rules run
 * through its own API in this process (the configuration read by its own
 * reader, as its command line reads it: a cruise of a small tree takes
 * milliseconds, a process seconds); its command line once, on the tree that
 * keeps them, and inside tools/check-folder-cycles.ts.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { cruise, format } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';
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
/** dependency-cruiser's rules on the tree, in this process: the exit code its command line would give, and its `err` report. */
const depcruiseOptions = extractDepcruiseOptions(join(root, '.dependency-cruiser.cjs'));
async function cruiseTree(): Promise<{ code: number; out: string }> {
  const options = await depcruiseOptions;
  const result = await cruise(['src'], { ...options, baseDir: dir, validate: true }, {}, { tsConfig: extractTSConfig(join(dir, 'tsconfig.json')) });
  const report = await format(result.output as Parameters<typeof format>[0], { outputType: 'err' });
  return { code: report.exitCode, out: String(report.output) };
}
const tsx = ['--import', pathToFileURL(join(root, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href];
const depcruise = [join(root, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs'), 'src', '--config', join(root, '.dependency-cruiser.cjs')];
const folderCycles = [...tsx, join(root, 'tools', 'check-folder-cycles.ts')];
const fileSizes = [...tsx, join(root, 'tools', 'check-file-sizes.ts')];

/** A tree that keeps every rule: a core, the platform's database, plumbing, two features, the wiring. */
const TREE: Record<string, string> = {
  'tsconfig.json': JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext' } }),
  'src/core/ids.ts': 'export const id = 1;\n',
  'src/platform/db/client.ts': "import { id } from '../../core/ids.js';\nexport const db = { id };\n",
  'src/doors/graphql/builder.ts': 'export const builder = {};\n',
  'src/features/a/model.ts': 'export interface Thing { id: number }\n',
  'src/features/a/ports.ts': "import type { Thing } from './model.js';\nexport interface Things { find(): Thing[] }\n",
  'src/features/a/rules/names.ts': "import type { Thing } from '../model.js';\nexport const named = (t: Thing) => t.id > 0;\n",
  'src/features/a/use-cases/things.ts':
    "import type { Things } from '../ports.js';\nimport { named } from '../rules/names.js';\nexport const list = (things: Things) => things.find().filter(named);\n",
  'src/features/a/store/things.ts':
    "import { db } from '../../../platform/db/client.js';\nimport type { Things } from '../ports.js';\nexport const things: Things = { find: () => [{ id: db.id }] };\n",
  'src/features/a/doors/graphql/things.ts':
    "import { builder } from '../../../../doors/graphql/builder.js';\nimport { list } from '../../use-cases/things.js';\nexport const field = { builder, list };\n",
  'src/features/a/doors/graphql/index.ts': "export { field } from './things.js';\n",
  'src/features/a/index.ts': "export { list } from './use-cases/things.js';\nexport type { Thing } from './model.js';\n",
  'src/features/b/use-cases/more.ts': "import { list } from '../../a/index.js';\nexport const more = list;\n",
  'src/features/b/doors/graphql/more.ts': "import { field } from '../../../a/doors/graphql/index.js';\nexport const again = field;\n",
  'src/wiring/storage.ts': "import { things } from '../features/a/store/things.js';\nexport const storage = { things };\n",
};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'credentials-layers-'));
  for (const [path, text] of Object.entries(TREE)) write(path, text);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Adds `files` to the tree, runs `run`, and takes them out again. */
async function withFiles<T>(files: Record<string, string>, run: () => T | Promise<T>): Promise<T> {
  for (const [path, text] of Object.entries(files)) write(path, text);
  try {
    return await run();
  } finally {
    for (const path of Object.keys(files)) rmSync(join(dir, path));
  }
}

describe('the layer rules', () => {
  it('accept a tree that keeps them (dependency-cruiser by its command line and by its API alike)', async () => {
    expect(check(depcruise)).toMatchObject({ code: 0 });
    expect(await cruiseTree()).toMatchObject({ code: 0 });
    expect(check(folderCycles).code).toBe(0);
    expect(check(fileSizes).code).toBe(0);
  });

  // Each case: a file that breaks one rule, and the rule's name in the output.
  const cases: [string, Record<string, string>, string][] = [
    [
      'a new top-level folder of src/',
      { 'src/events/listener.ts': "import { id } from '../core/ids.js';\nexport const x = id;\n" },
      'every-folder-is-in-a-layer',
    ],
    ['a new top-level folder of src/ that imports nothing', { 'src/events/alone.ts': 'export const x = 1;\n' }, 'every-folder-is-in-a-layer'],
    [
      'core importing the app',
      { 'src/core/bad.ts': "import { db } from '../platform/db/client.js';\nexport const x = db;\n" },
      'core-imports-nothing-of-the-app',
    ],
    [
      'the platform importing a feature',
      { 'src/platform/bad.ts': "import { list } from '../features/a/index.js';\nexport const x = list;\n" },
      'platform-below-the-features',
    ],
    [
      'plumbing importing a feature',
      { 'src/doors/graphql/bad.ts': "import { list } from '../../features/a/index.js';\nexport const x = list;\n" },
      'plumbing-knows-no-feature',
    ],
    [
      'a feature importing the wiring',
      { 'src/features/b/use-cases/bad.ts': "import { storage } from '../../../wiring/storage.js';\nexport const x = storage;\n" },
      'features-below-the-wiring',
    ],
    [
      "a feature importing another's insides",
      { 'src/features/b/use-cases/bad.ts': "import { list } from '../../a/use-cases/things.js';\nexport const x = list;\n" },
      'another-feature-only-through-its-face',
    ],
    [
      "a use case importing another feature's GraphQL face",
      { 'src/features/b/use-cases/bad.ts': "import { field } from '../../a/doors/graphql/index.js';\nexport const x = field;\n" },
      'graphql-faces-only-from-graphql-doors',
    ],
    [
      'a rule importing a use case',
      { 'src/features/a/rules/bad.ts': "import { list } from '../use-cases/things.js';\nexport const x = list;\n" },
      'rules-are-pure',
    ],
    [
      'a use case importing the store',
      { 'src/features/a/use-cases/bad.ts': "import { things } from '../store/things.js';\nexport const x = things;\n" },
      'use-cases-and-jobs-over-ports',
    ],
    [
      'a store importing a use case',
      { 'src/features/a/store/bad.ts': "import { list } from '../use-cases/things.js';\nexport const x = list;\n" },
      'stores-serve-the-use-cases',
    ],
    [
      'a door importing the store',
      { 'src/features/a/doors/graphql/bad.ts': "import { things } from '../../store/things.js';\nexport const x = things;\n" },
      'doors-call-use-cases',
    ],
    [
      'a use case importing the database client',
      { 'src/features/a/use-cases/bad.ts': "import { db } from '../../../platform/db/client.js';\nexport const x = db;\n" },
      'only-stores-hold-the-database',
    ],
    [
      'the wiring importing an entry point',
      { 'src/main.ts': 'export const main = 1;\n', 'src/wiring/bad.ts': "import { main } from '../main.js';\nexport const x = main;\n" },
      'wiring-below-the-entry-points',
    ],
  ];
  for (const [what, files, rule] of cases) {
    it(`refuse ${what} (${rule})`, async () => {
      const result = await withFiles(files, cruiseTree);
      expect(result.code, result.out).not.toBe(0);
      expect(result.out).toContain(rule);
    });
  }

  it('refuse two features that import each other through their faces (no file-level circle)', async () => {
    const result = await withFiles(
      {
        'src/features/a/use-cases/back.ts': "import { more } from '../../b/index.js';\nexport const back = more;\n",
        'src/features/b/index.ts': "export { more } from './use-cases/more.js';\n",
      },
      async () => {
        expect((await cruiseTree()).code).toBe(0);
        return check(folderCycles);
      },
    );
    expect(result.code).toBe(1);
    expect(result.out).toContain('folders that import each other: src/features/a, src/features/b');
  });

  it('refuse a source file over 400 lines, and leave generated code alone', async () => {
    const long = `${Array.from({ length: 401 }, (_, i) => `export const line${i} = ${i};`).join('\n')}\n`;
    const result = await withFiles({ 'src/features/a/rules/long.ts': long }, () => check(fileSizes));
    expect(result.code).toBe(1);
    expect(result.out).toContain('src/features/a/rules/long.ts: 401 lines');
    expect((await withFiles({ 'src/generated/long.ts': long }, () => check(fileSizes))).code).toBe(0);
  });
});
