/**
 * The API reference page (`/docs`) and its assets: Swagger UI from the installed package, loaded lazily.
 *
 * @module
 */
export { docsAssets } from './load';
export { DOCS_CSP, DOCS_PAGE_HTML, DOCS_SCRIPT, docsHeaders } from './page';
