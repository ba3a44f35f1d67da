/**
 * `npm run check:layers` (third part): no source file over 400 lines. A file
 * that grows past it holds more than one thing: split it where the seam is
 * (a feature's types, its operations, its wire shapes). Generated code aside.
 * Exits 1 naming each file and its length.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

export const MAX_LINES = 400;

const dir = process.argv[2] ?? 'src';

function* sources(folder: string): Generator<string> {
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'generated') yield* sources(path);
    } else if (/\.(ts|mts|cts)$/.test(entry.name)) yield path;
  }
}

const long: [string, number][] = [];
let count = 0;
for (const file of sources(dir)) {
  count++;
  const lines = readFileSync(file, 'utf8').split('\n').length - 1;
  if (lines > MAX_LINES) long.push([relative(process.cwd(), file), lines]);
}
if (long.length === 0) {
  console.log(`✔ no source file over ${MAX_LINES} lines (${count} files)`);
} else {
  for (const [file, lines] of long.sort((a, b) => b[1] - a[1])) console.error(`✘ ${file}: ${lines} lines (at most ${MAX_LINES})`);
  process.exit(1);
}
