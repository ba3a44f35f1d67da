// npm run build: compiles src/ to dist/ (tsconfig.build.json), from a clean dist/, copies the files of the pages
// people open (GraphiQL, the API reference) from their npm packages into dist/pages/<page>/ with their Brotli and
// gzip forms (the release serves these copies, so its install needs neither package), and stamps the build.
// The stamp lets `npm start` (prestart: scripts/ensure-build.mjs) tell a stale build from a fresh one.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

rmSync('dist', { recursive: true, force: true });
execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });

// What each page loads is declared once, in the compiled code (src/doors/http/page-files.ts).
const { PAGE_SOURCES, builtPageDir, pageFiles } = await import(pathToFileURL(join(process.cwd(), 'dist/doors/http/page-files.js')).href);
const { compress, EXTENSION } = await import(pathToFileURL(join(process.cwd(), 'dist/doors/http/assets.js')).href);
for (const page of Object.keys(PAGE_SOURCES)) {
  const { version, paths } = pageFiles(page);
  const dir = builtPageDir(page);
  mkdirSync(dir, { recursive: true });
  for (const [name, path] of Object.entries(paths)) {
    copyFileSync(path, join(dir, name));
    const body = readFileSync(path);
    for (const [encoding, extension] of Object.entries(EXTENSION)) writeFileSync(join(dir, `${name}.${extension}`), await compress[encoding](body));
  }
  writeFileSync(join(dir, 'manifest.json'), `${JSON.stringify({ version }, null, 2)}\n`);
}
writeFileSync('dist/.build-stamp', `${new Date().toISOString()}\n`);
