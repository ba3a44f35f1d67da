/**
 * GraphiQL served from the @graphql-yoga/graphiql npm package: the page and
 * every asset come from this server, none from a CDN.
 */
import { createReadStream, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { GraphiQLOptions } from 'graphql-yoga';

export const GRAPHIQL_ASSETS_PATH = '/graphiql/assets';

const distDir = dirname(createRequire(import.meta.url).resolve('@graphql-yoga/graphiql'));

/** The files the page loads, by the name used in their URL. */
export const graphiqlAssets: Readonly<Record<string, { file: string; type: string }>> = {
  'graphiql.css': { file: join(distDir, 'graphiql.css'), type: 'text/css; charset=utf-8' },
  'yoga-graphiql.umd.js': { file: join(distDir, 'yoga-graphiql.umd.js'), type: 'text/javascript; charset=utf-8' },
  'editor.worker.js': { file: join(distDir, 'monacoeditorwork/editor.worker.bundle.js'), type: 'text/javascript; charset=utf-8' },
  'json.worker.js': { file: join(distDir, 'monacoeditorwork/json.worker.bundle.js'), type: 'text/javascript; charset=utf-8' },
  'graphql.worker.js': { file: join(distDir, 'monacoeditorwork/graphql.worker..bundle.js'), type: 'text/javascript; charset=utf-8' },
};

for (const { file } of Object.values(graphiqlAssets)) {
  if (!existsSync(file)) throw new Error(`GraphiQL asset ${file} is missing: reinstall @graphql-yoga/graphiql`);
}

export function openGraphiqlAsset(name: string) {
  const asset = Object.hasOwn(graphiqlAssets, name) ? graphiqlAssets[name] : undefined;
  return asset ? { stream: createReadStream(asset.file), type: asset.type } : undefined;
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
// JSON inside <script>: keep `</script>` and friends from closing the element.
const scriptJson = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c');

export function renderGraphiQL(options: GraphiQLOptions & { endpoint?: string }): string {
  const a = GRAPHIQL_ASSETS_PATH;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(options.title ?? 'GraphiQL')}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${a}/graphiql.css">
</head>
<body id="body" class="no-focus-outline">
<noscript>GraphiQL needs JavaScript.</noscript>
<div id="root">Loading…</div>
<script>
const workerUrls = {
  editorWorkerService: '${a}/editor.worker.js',
  json: '${a}/json.worker.js',
  graphql: '${a}/graphql.worker.js',
};
self.MonacoEnvironment = { globalAPI: false, getWorkerUrl: (_id, label) => workerUrls[label] ?? workerUrls.editorWorkerService };
</script>
<script src="${a}/yoga-graphiql.umd.js"></script>
<script>YogaGraphiQL.renderYogaGraphiQL(document.getElementById('root'), ${scriptJson(options)});</script>
</body>
</html>`;
}
