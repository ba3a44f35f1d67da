/**
 * Where the files of the pages people open come from: GraphiQL
 * (@graphql-yoga/graphiql) and the REST API reference (swagger-ui-dist). In a
 * development tree, from the npm packages; in a release, from the copies the
 * build made (`npm run build` → dist/pages/<page>/, each file with its Brotli
 * and gzip forms beside it), so that the production install carries neither
 * package nor their dependencies (GraphiQL's are about 170 MB).
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { projectRoot } from '../../infra/project.js';

export interface PageSource {
  /** The package the files come from. */
  package: string;
  /** A file of the package that locates it (resolved from its directory). */
  entry: string;
  /** The files the page loads: their names in URLs → their paths in the package, from `entry`'s directory. */
  files: Readonly<Record<string, string>>;
}

/** The pages' files: the build copies exactly these. */
export const PAGE_SOURCES = {
  graphiql: {
    package: '@graphql-yoga/graphiql',
    entry: '@graphql-yoga/graphiql',
    files: {
      'graphiql.css': 'graphiql.css',
      'yoga-graphiql.umd.js': 'yoga-graphiql.umd.js',
      'editor.worker.js': 'monacoeditorwork/editor.worker.bundle.js',
      'json.worker.js': 'monacoeditorwork/json.worker.bundle.js',
      'graphql.worker.js': 'monacoeditorwork/graphql.worker..bundle.js',
    },
  },
  'api-docs': {
    package: 'swagger-ui-dist',
    entry: 'swagger-ui-dist/package.json',
    files: {
      'swagger-ui.css': 'swagger-ui.css',
      'swagger-ui-bundle.js': 'swagger-ui-bundle.js',
      'swagger-ui-standalone-preset.js': 'swagger-ui-standalone-preset.js',
    },
  },
} as const satisfies Record<string, PageSource>;

export type PageName = keyof typeof PAGE_SOURCES;

/** The build's copy of a page's files. */
export const builtPageDir = (page: PageName): string => join(projectRoot(), 'dist', 'pages', page);

export interface PageFiles {
  /** The package's name and version (part of the files' URLs). */
  version: string;
  /** The path of each file on disk, by its name in URLs. */
  paths: Record<string, string>;
}

/** The files of a page: the package's when it is installed, else the build's copy; a clear error when neither is there. */
export function pageFiles(page: PageName): PageFiles {
  const source: PageSource = PAGE_SOURCES[page];
  let dir: string | undefined;
  try {
    dir = dirname(createRequire(import.meta.url).resolve(source.entry));
  } catch {
    dir = undefined;
  }
  if (dir) {
    const packageDir = source.entry.endsWith('package.json') ? dir : join(dir, '..');
    const { version } = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { version: string };
    return { version: `${source.package}@${version}`, paths: Object.fromEntries(Object.entries(source.files).map(([name, file]) => [name, join(dir, file)])) };
  }
  const built = builtPageDir(page);
  const manifest = join(built, 'manifest.json');
  if (!existsSync(manifest)) throw new Error(`The ${page} page's files are missing: neither ${source.package} nor a build's copy in ${built} (npm run build)`);
  const { version } = JSON.parse(readFileSync(manifest, 'utf8')) as { version: string };
  return { version, paths: Object.fromEntries(Object.keys(source.files).map((name) => [name, join(built, name)])) };
}
