/**
 * `npm run check:layers` (second half): no import circle between folders.
 * dependency-cruiser's circle rule sees files; two folders can still depend on
 * each other through different files (a → b by one import, b → a by another),
 * which makes them one folder in all but name. Each feature counts on its own
 * (src/features/<feature>), and each door's plumbing (src/doors/<door>), every
 * other folder of src/ as a whole, the entry points (src/*.ts) as one.
 * Exits 1 naming each circle and the imports that make it.
 */
import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';

interface Module {
  source: string;
  dependencies: { resolved: string; coreModule?: boolean; couldNotResolve?: boolean }[];
}

const root = resolve(import.meta.dirname, '..');
const dir = process.argv[2] ?? 'src';

/** The folder a file counts in. */
export function folderOf(path: string): string | undefined {
  const parts = path.split('/');
  if (parts[0] !== 'src') return undefined;
  if (parts.length === 2) return 'src/*.ts';
  if (parts[1] === 'generated') return undefined;
  if ((parts[1] === 'features' || parts[1] === 'doors') && parts.length > 3) return `src/${parts[1]}/${parts[2]}`;
  return `src/${parts[1]}`;
}

const output = execFileSync(
  process.execPath,
  [
    join(root, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs'),
    dir,
    '--config',
    join(root, '.dependency-cruiser.cjs'),
    '--output-type',
    'json',
  ],
  { cwd: process.cwd(), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
);
const modules = (JSON.parse(output) as { modules: Module[] }).modules;

// Folder → folder, with one file import that makes each edge (for the message).
const edges = new Map<string, Map<string, string>>();
for (const module of modules) {
  const from = folderOf(module.source);
  if (!from) continue;
  for (const dependency of module.dependencies) {
    const to = folderOf(dependency.resolved);
    if (!to || to === from) continue;
    if (!edges.has(from)) edges.set(from, new Map());
    if (!edges.get(from)!.has(to)) edges.get(from)!.set(to, `${module.source} → ${dependency.resolved}`);
  }
}

// Tarjan's strongly connected components: each of more than one folder is a circle.
const index = new Map<string, number>();
const low = new Map<string, number>();
const stack: string[] = [];
const onStack = new Set<string>();
const circles: string[][] = [];
let counter = 0;
function visit(folder: string): void {
  index.set(folder, counter);
  low.set(folder, counter++);
  stack.push(folder);
  onStack.add(folder);
  for (const next of edges.get(folder)?.keys() ?? []) {
    if (!index.has(next)) {
      visit(next);
      low.set(folder, Math.min(low.get(folder)!, low.get(next)!));
    } else if (onStack.has(next)) {
      low.set(folder, Math.min(low.get(folder)!, index.get(next)!));
    }
  }
  if (low.get(folder) === index.get(folder)) {
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(member);
    } while (member !== folder);
    if (component.length > 1) circles.push(component.sort());
  }
}
for (const folder of edges.keys()) if (!index.has(folder)) visit(folder);

if (circles.length === 0) {
  console.log(`✔ no folder-level import circle (${edges.size} folders)`);
} else {
  for (const circle of circles) {
    console.error(`✘ folders that import each other: ${circle.join(', ')}`);
    for (const from of circle) {
      for (const [to, example] of edges.get(from) ?? []) if (circle.includes(to)) console.error(`    ${from} → ${to}: ${example}`);
    }
  }
  process.exit(1);
}
