/**
 * The fleet page (`/ui`): HTML, one script and one stylesheet, all served by the lifecycle function itself, with
 * the headers that keep it strict. The script is assembled from small parts, each a browser-JavaScript string.
 *
 * @module
 */
import { CHARTS_SCRIPT } from './charts-script';
import { CLIENT_SCRIPT } from './client-script';
import { DETAIL_SCRIPT } from './detail-script';
import { DOM_SCRIPT } from './dom-script';
import { LISTING_SCRIPT } from './listing-script';
import { MAIN_SCRIPT } from './main-script';
import { TABLE_SCRIPT } from './table-script';

export { FLEET_CSP, fleetHeaders } from './headers';
export { FLEET_PAGE_HTML } from './page';
export { FLEET_STYLE } from './style';

/** One function scope: nothing leaks onto `window`; strict mode catches the slips a linter would. */
export const FLEET_SCRIPT = `(function () {
'use strict';
${[CLIENT_SCRIPT, LISTING_SCRIPT, DOM_SCRIPT, CHARTS_SCRIPT, TABLE_SCRIPT, DETAIL_SCRIPT, MAIN_SCRIPT].join('\n')}
})();
`;
