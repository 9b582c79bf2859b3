/**
 * `/docs`: the OpenAPI document rendered by Swagger UI, served from this orchestrator (no CDN: it works offline and
 * under a strict CSP). The page is a shell; `docs/app.js` starts Swagger UI with the document at `openapi.json`.
 * Every URL is relative, so a base path in front of the API (a gateway stage) is kept.
 *
 * @module
 */

export const DOCS_PAGE_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Worker lifecycle orchestrator API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="docs/swagger-ui.css">
</head><body>
<div id="swagger-ui"><p>Loading the API reference… (raw document: <a href="openapi.json">openapi.json</a>)</p></div>
<script src="docs/swagger-ui-bundle.js"></script>
<script src="docs/app.js"></script>
</body></html>
`;

/**
 * Starts Swagger UI. Its own filter box matches tag names only; the `opsFilter` here makes it a search over each
 * operation's tag, path, method, summary, operation id and description. Authorisation is kept in the tab's memory
 * (`persistAuthorization` off): a key typed into the page is never written to storage.
 */
export const DOCS_SCRIPT = `(function () {
'use strict';
function SearchPlugin() {
  return { fn: { opsFilter: function (taggedOps, phrase) {
    var query = String(phrase || '').toLowerCase().trim();
    if (!query) return taggedOps;
    return taggedOps.map(function (tag, name) {
      return tag.set('operations', tag.get('operations').filter(function (op) {
        var o = op.get('operation');
        var text = [name, op.get('path'), op.get('method'), o.get('summary'), o.get('operationId'), o.get('description')]
          .join(' ').toLowerCase();
        return text.indexOf(query) !== -1;
      }));
    }).filter(function (tag) { return tag.get('operations').size > 0; });
  } } };
}
window.ui = SwaggerUIBundle({
  url: 'openapi.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  filter: true,
  displayOperationId: true,
  displayRequestDuration: true,
  persistAuthorization: false,
  validatorUrl: null,
  presets: [SwaggerUIBundle.presets.apis],
  plugins: [SearchPlugin],
  layout: 'BaseLayout'
});
})();
`;

/**
 * The CSP of the docs page and its assets: script and requests to this origin only, no frames around it, no forms
 * posted anywhere. Swagger UI sets inline styles and draws icons from `data:` URLs, so those two are allowed.
 */
export const DOCS_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export function docsHeaders(contentType: string, cache: 'no-cache' | 'an-hour'): Record<string, string> {
  return {
    'content-type': contentType,
    'content-security-policy': DOCS_CSP,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'x-frame-options': 'DENY',
    // Swagger UI's files change only with the package: an hour of caching spares a 1.8 MB reload per visit.
    'cache-control': cache === 'an-hour' ? 'public, max-age=3600' : 'no-cache',
  };
}
