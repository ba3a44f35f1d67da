/**
 * GraphiQL from the files of the @graphql-yoga/graphiql npm package (in a
 * release, the build's copy of them: page-files.ts): the page and every asset
 * come from this server, none from a CDN.
 */
import { existsSync } from 'node:fs';
import type { GraphiQLOptions } from 'graphql-yoga';
import { VersionedAssets } from './assets.js';
import { pageFiles } from './page-files.js';

export const GRAPHIQL_ASSETS_PATH = '/graphiql/assets';

const JS = 'text/javascript; charset=utf-8';
const source = pageFiles('graphiql');

/** The files the page loads, by the name used in their URL. */
const files = {
  'graphiql.css': { file: source.paths['graphiql.css']!, type: 'text/css; charset=utf-8' },
  'yoga-graphiql.umd.js': { file: source.paths['yoga-graphiql.umd.js']!, type: JS },
  'editor.worker.js': { file: source.paths['editor.worker.js']!, type: JS },
  'json.worker.js': { file: source.paths['json.worker.js']!, type: JS },
  'graphql.worker.js': { file: source.paths['graphql.worker.js']!, type: JS },
};

for (const { file } of Object.values(files)) {
  if (!existsSync(file)) throw new Error(`GraphiQL asset ${file} is missing: reinstall @graphql-yoga/graphiql (or npm run build)`);
}

/**
 * Starts GraphiQL with the options the page carries as JSON data. A script of
 * our own, served like the others, so the page has no inline script and the
 * Content-Security-Policy can be `script-src 'self'`.
 */
const initScript = (url: (name: string) => string) => `'use strict';
(function () {
  var workerUrls = {
    editorWorkerService: '${url('editor.worker.js')}',
    json: '${url('json.worker.js')}',
    graphql: '${url('graphql.worker.js')}',
  };
  self.MonacoEnvironment = { globalAPI: false, getWorkerUrl: function (_id, label) { return workerUrls[label] || workerUrls.editorWorkerService; } };
  var options = JSON.parse(document.getElementById('graphiql-options').textContent);
  YogaGraphiQL.renderYogaGraphiQL(document.getElementById('root'), options);
})();
`;

/** Every file of the page, the start-up script included (its text is part of the version). */
export const graphiqlAssets = new VersionedAssets(GRAPHIQL_ASSETS_PATH, { ...files, 'init.js': { text: initScript, type: JS } }, [source.version]);

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
// JSON inside <script type="application/json">: keep `</script>` and friends from closing the element.
const scriptJson = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c');

export function renderGraphiQL(options: GraphiQLOptions & { endpoint?: string }): string {
  const page = {
    ...options,
    // Yoga's page opens with `query` (its welcome text otherwise; `defaultQuery` is not read for it).
    query: options.defaultQuery,
    // The headers pane holds a bearer token: kept in the browser only when the user switches that on.
    shouldPersistHeaders: false,
  };
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(options.title ?? 'GraphiQL')}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${graphiqlAssets.url('graphiql.css')}">
</head>
<body id="body" class="no-focus-outline">
<noscript>GraphiQL needs JavaScript.</noscript>
<div id="root">Loading…</div>
<script type="application/json" id="graphiql-options">${scriptJson(page)}</script>
<script src="${graphiqlAssets.url('yoga-graphiql.umd.js')}"></script>
<script src="${graphiqlAssets.url('init.js')}"></script>
</body>
</html>`;
}
