/**
 * The page's API client, as browser JavaScript. The key lives in `sessionStorage` (this tab only, gone when it
 * closes) and travels only in the Authorization header: never in a URL, a cookie or a form submission. Requests
 * are same-origin `fetch`es; writes carry `content-type: application/json` so the API's request guard (JSON bodies
 * only, foreign Origins refused) lets them through as it would any client.
 *
 * @module
 */
export const CLIENT_SCRIPT = String.raw`
var KEY_SLOT = 'orchestrator.key';
// The API's root is where this script was served from, minus 'ui/app.js': it works under a gateway's base path.
var API_ROOT = document.currentScript.src.replace(/ui\/app\.js(\?.*)?$/, '');

var keyStore = {
  get: function () { try { return sessionStorage.getItem(KEY_SLOT) || ''; } catch (e) { return memoryKey; } },
  set: function (key) { memoryKey = key; try { sessionStorage.setItem(KEY_SLOT, key); } catch (e) {} },
  clear: function () { memoryKey = ''; try { sessionStorage.removeItem(KEY_SLOT); } catch (e) {} }
};
// Where sessionStorage is refused (some private modes), the key is kept in memory for this page only.
var memoryKey = '';

function ApiError(status, body) {
  this.status = status;
  this.code = (body && body.code) || 'http_' + status;
  this.message = (body && body.message) || 'HTTP ' + status;
}

function api(method, path, options) {
  options = options || {};
  var headers = { accept: options.accept || 'application/json', authorization: 'Bearer ' + keyStore.get() };
  if (method !== 'GET') headers['content-type'] = 'application/json';
  return fetch(API_ROOT + path, {
    method: method,
    headers: headers,
    cache: 'no-store',
    credentials: 'omit',
    redirect: 'error'
  }).then(function (response) {
    if (response.status === 204) return null;
    var type = response.headers.get('content-type') || '';
    var read = type.indexOf('json') >= 0 ? response.json() : response.text();
    return read.then(function (body) {
      if (!response.ok) throw new ApiError(response.status, typeof body === 'object' ? body : null);
      return body;
    });
  });
}

function enc(value) { return encodeURIComponent(value); }

var Api = {
  listWorkers: function (filters, limit, cursor) {
    var query = ['limit=' + limit, 'sort=name'];
    if (cursor) query.push('cursor=' + enc(cursor));
    if (filters.phase) query.push('phase=' + enc(filters.phase));
    if (filters.team) query.push('team=' + enc(filters.team));
    if (filters.label) query.push('label=' + enc(filters.label));
    return api('GET', 'workers?' + query.join('&'));
  },
  events: function (name) { return api('GET', 'workers/' + enc(name) + '/events?limit=50'); },
  act: function (name, action) {
    if (action === 'delete') return api('DELETE', 'workers/' + enc(name));
    if (action === 'ensure-ready') return api('POST', 'workers/' + enc(name) + '/ensure-ready?timeout_seconds=20');
    return api('POST', 'workers/' + enc(name) + '/' + action);
  },
  metrics: function () { return api('GET', 'metrics', { accept: 'text/plain' }); }
};
`;
