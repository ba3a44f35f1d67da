/**
 * GraphiQL served from the @graphql-yoga/graphiql npm package: the page and
 * every asset come from this server, none from a CDN.
 */
import { createReadStream, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
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

/**
 * Starts GraphiQL with the options the page carries as JSON data. A script of
 * our own, served like the others, so the page has no inline script and the
 * Content-Security-Policy can be `script-src 'self'`.
 */
const INIT_SCRIPT = `'use strict';
(function () {
  var workerUrls = {
    editorWorkerService: '${GRAPHIQL_ASSETS_PATH}/editor.worker.js',
    json: '${GRAPHIQL_ASSETS_PATH}/json.worker.js',
    graphql: '${GRAPHIQL_ASSETS_PATH}/graphql.worker.js',
  };
  self.MonacoEnvironment = { globalAPI: false, getWorkerUrl: function (_id, label) { return workerUrls[label] || workerUrls.editorWorkerService; } };
  var options = JSON.parse(document.getElementById('graphiql-options').textContent);
  YogaGraphiQL.renderYogaGraphiQL(document.getElementById('root'), options);
})();
`;

export function openGraphiqlAsset(name: string) {
  if (name === 'init.js') return { stream: Readable.from([INIT_SCRIPT]), type: 'text/javascript; charset=utf-8' };
  const asset = Object.hasOwn(graphiqlAssets, name) ? graphiqlAssets[name] : undefined;
  return asset ? { stream: createReadStream(asset.file), type: asset.type } : undefined;
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
// JSON inside <script type="application/json">: keep `</script>` and friends from closing the element.
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
<script type="application/json" id="graphiql-options">${scriptJson(options)}</script>
<script src="${a}/yoga-graphiql.umd.js"></script>
<script src="${a}/init.js"></script>
</body>
</html>`;
}
