/**
 * The API reference page for people: Swagger UI from the files of the
 * swagger-ui-dist npm package (in a release, the build's copy of them:
 * page-files.ts), reading /api/openapi.json. Every asset comes from this server.
 */
import { VersionedAssets } from './assets.js';
import { pageFiles } from './page-files.js';

export const API_DOCS_PATH = '/api/docs';

const source = pageFiles('api-docs');

const JS = 'text/javascript; charset=utf-8';

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

/** The page's files: Swagger UI's, and the start-up script. */
export const apiDocsAssets = new VersionedAssets(
  `${API_DOCS_PATH}/assets`,
  {
    'swagger-ui.css': { file: source.paths['swagger-ui.css']!, type: 'text/css; charset=utf-8' },
    'swagger-ui-bundle.js': { file: source.paths['swagger-ui-bundle.js']!, type: JS },
    'swagger-ui-standalone-preset.js': { file: source.paths['swagger-ui-standalone-preset.js']!, type: JS },
    'init.js': { text: INIT_SCRIPT, type: JS },
  },
  [source.version],
);

export function apiDocsPage(): string {
  const a = (name: string) => apiDocsAssets.url(name);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Credentials service — REST API reference</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${a('swagger-ui.css')}">
</head>
<body>
<div id="swagger-ui"></div>
<script src="${a('swagger-ui-bundle.js')}"></script>
<script src="${a('swagger-ui-standalone-preset.js')}"></script>
<script src="${a('init.js')}"></script>
</body>
</html>`;
}
