// npm run build: compiles src/ to dist/ (tsconfig.build.json), from a clean dist/, bundles the server's entry
// (dist/server.js: one file of the service and the packages it loads at start, so a start reads one module instead
// of about a thousand — the ESM loader was most of the start), copies the files of the pages
// people open (GraphiQL, the API reference) from their npm packages into dist/pages/<page>/ with their Brotli and
// gzip forms (the release serves these copies, so its install needs neither package), and stamps the build.
// The stamp lets `npm start` (scripts/ensure-build.mjs, imported before dist/main.js) tell a stale build from a fresh one.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

rmSync('dist', { recursive: true, force: true });
// Not incremental: the build-info file (shared with `npm run lint`'s tsc) would say "nothing changed" and leave the
// emptied dist/ without the unchanged files.
execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json', '--incremental', 'false'], { stdio: 'inherit' });

// The server's entry and the operator's command line, each bundled over tsc's output (dist/server.js, dist/cli.js;
// the other modules of dist/ stay as tsc wrote them): a start reads one module instead of about a thousand (the
// command line took 0.5–0.8 s a command, mostly loading modules). Left out, loaded from node_modules as before:
// native addons, Prisma's runtime (it loads its WebAssembly by module path), and what only some requests load, on
// first use (STS, OIDC sign-in, JOSE, SSH, PostgreSQL's driver).
const { build } = await import('esbuild');

// Node's own modules reached through require(), as the bundled CommonJS packages already reach them, not through an
// ES import: for an import Node builds an ES facade of the module, reading every export once, and reading node:http's
// runs its lazy getters, which load the whole of undici (70 ms of Node 24's start; the facades 125 ms in all).
// Each module the bundle's own code imports becomes a one-line CommonJS module (`module.exports = require(...)`),
// whose exports esbuild reads when the code uses them.
const builtinsThroughRequire = {
  name: 'builtins-through-require',
  setup(bundle) {
    bundle.onResolve({ filter: /^(node:)?[a-z_]+(\/[a-z_]+)?$/ }, (args) => {
      const name = args.path.startsWith('node:') ? args.path : `node:${args.path}`;
      if (args.kind !== 'import-statement' || !isBuiltin(name)) return undefined;
      return { path: name, namespace: 'builtin' };
    });
    bundle.onLoad({ filter: /.*/, namespace: 'builtin' }, (args) => ({ contents: `module.exports = require(${JSON.stringify(args.path)});`, loader: 'js' }));
  },
};
await build({
  // The service's bundle is dist/server.js; dist/main.js, written below, turns Node's compile cache on and loads it.
  entryPoints: [{ in: 'src/main.ts', out: 'server' }, 'src/cli.ts'],
  outdir: 'dist',
  entryNames: '[name]',
  allowOverwrite: true,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  minify: true,
  // Class and function names kept: errors are told apart by name (GraphQLError), and logs name them.
  keepNames: true,
  sourcemap: true,
  external: ['better-sqlite3', 'pg', 'pg-native', '@prisma/*', 'ssh2', 'cpu-features', '@aws-sdk/*', 'openid-client', 'jose'],
  // Bundled CommonJS packages call require(): the bundle, an ES module, has none of its own.
  banner: { js: "import { createRequire as __bundleRequire } from 'node:module'; const require = __bundleRequire(import.meta.url);" },
  logLevel: 'warning',
  plugins: [builtinsThroughRequire],
});

// The service's entry: Node's compile cache (22.1 and later), then the bundle. The cache keeps V8's compiled code of
// the bundle between starts, so a start does not parse and compile its 3 MB again; it lives in a directory of the
// user's own (another user could not plant code in it, as they could in a shared /tmp). NODE_COMPILE_CACHE set:
// Node's own (that directory); NODE_DISABLE_COMPILE_CACHE=1: none. On Node 20, or without a writable home: none.
writeFileSync(
  'dist/main.js',
  `// Written by scripts/build.mjs: Node's compile cache on (see there), then the service (server.js).
import module from 'node:module';
import { homedir } from 'node:os';
import { join } from 'node:path';
if (module.enableCompileCache && !process.env.NODE_COMPILE_CACHE && !process.env.NODE_DISABLE_COMPILE_CACHE) {
  try {
    module.enableCompileCache(join(homedir(), '.cache', 'credentials-service', 'compile-cache'));
  } catch {
    // no home, or not writable: start without the cache
  }
}
await import('./server.js');
`,
);
rmSync('dist/main.js.map', { force: true });

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
