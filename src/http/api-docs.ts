/**
 * The API reference page for people: Swagger UI from the swagger-ui-dist npm
 * package, reading /api/openapi.json. Every asset comes from this server.
 */
import { createReadStream } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';

export const API_DOCS_PATH = '/api/docs';

const distDir = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

const assets: Readonly<Record<string, string>> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'swagger-ui-standalone-preset.js': 'text/javascript; charset=utf-8',
};

/** Starts Swagger UI: a script of our own, so the page has no inline script (CSP `script-src 'self'`). */
const INIT_SCRIPT = `'use strict';
window.ui = SwaggerUIBundle({
  url: '/api/openapi.json',
  dom_id: '#swagger-ui',
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
  layout: 'BaseLayout',
  validatorUrl: null,
  persistAuthorization: false,
});
`;

export function openApiDocsAsset(name: string) {
  if (name === 'init.js') return { stream: Readable.from([INIT_SCRIPT]), type: 'text/javascript; charset=utf-8' };
  const type = Object.hasOwn(assets, name) ? assets[name] : undefined;
  return type ? { stream: createReadStream(join(distDir, name)), type } : undefined;
}

export function apiDocsPage(): string {
  const a = `${API_DOCS_PATH}/assets`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Credentials service — REST API reference</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${a}/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="${a}/swagger-ui-bundle.js"></script>
<script src="${a}/swagger-ui-standalone-preset.js"></script>
<script src="${a}/init.js"></script>
</body>
</html>`;
}
