/**
 * The page's state and loop, as browser JavaScript: sign in with a key, list (with filters), open a worker, act,
 * and refresh every few seconds while the tab is visible. Errors are shown in the status line; a 401 forgets the
 * key, so a rotated key asks again instead of failing on every refresh.
 *
 * @module
 */
export const MAIN_SCRIPT = `
var REFRESH_MS = 3000;
var state = { workers: [], selected: null, shownDetail: '', busy: false, again: false };

function setStatus(text, isError) {
  var line = byId('status');
  line.textContent = text;
  line.className = isError ? 'status error' : 'status';
}

function showSignedIn(signedIn) {
  byId('signin').hidden = signedIn;
  byId('fleet').hidden = !signedIn;
  byId('signout').hidden = !signedIn;
}

function failed(error) {
  if (error && error.status === 401) {
    keyStore.clear();
    showSignedIn(false);
    setStatus('That key was refused (401). Enter a manager or team key.', true);
    return;
  }
  setStatus((error && error.message) || String(error), true);
}

function refresh() {
  if (!keyStore.get()) return Promise.resolve();
  // One refresh at a time; one asked for meanwhile (a filter changed, an action ended) runs right after it.
  if (state.busy) { state.again = true; return Promise.resolve(); }
  state.busy = true;
  state.again = false;
  var listing = Api.listWorkers(readFilters()).then(function (page) {
    state.workers = page.workers;
    renderTable(state.workers, state.selected, openWorker);
    replaceChildren(byId('phase-chart'), [phaseChart(state.workers)]);
    setStatus(page.workers.length + ' worker(s)' + (page.next_cursor ? ', more not shown: narrow the filters' : '') +
      ' · updated ' + new Date().toLocaleTimeString());
  });
  // A team key may not read /metrics (403): the chart says so instead of failing the page.
  var metrics = Api.metrics().then(null, function (error) {
    if (error.status === 403) return null;
    throw error;
  }).then(function (text) { replaceChildren(byId('latency-chart'), [latencyChart(text)]); });
  // The detail reads the fresh listing, so it waits for it.
  return Promise.all([listing.then(refreshDetail), metrics]).then(null, failed).then(function () {
    state.busy = false;
    if (state.again) return refresh();
  });
}

function refreshDetail() {
  var name = state.selected;
  if (!name) return Promise.resolve();
  // The listing already holds the worker's fields; only its events need a request of their own.
  var current = state.workers.filter(function (w) { return w.name === name; })[0];
  if (!current) { closeDetail(); return Promise.resolve(); }
  return Api.events(name).then(function (page) {
    // Redraw only on a change, so an open delete confirmation is not reset by a refresh.
    var shown = JSON.stringify([current, page.events]);
    if (shown === state.shownDetail) return;
    state.shownDetail = shown;
    renderDetail(current, page.events, act, closeDetail);
  });
}

function openWorker(name) {
  state.selected = name;
  state.shownDetail = '';
  renderTable(state.workers, state.selected, openWorker);
  refreshDetail().then(null, failed);
}

function closeDetail() {
  state.selected = null;
  state.shownDetail = '';
  byId('detail').hidden = true;
  byId('layout').classList.remove('with-detail');
  renderTable(state.workers, null, openWorker);
}

function act(name, action) {
  setStatus(action + ' ' + name + '…');
  Api.act(name, action).then(function () {
    setStatus(action + ' ' + name + ': done');
    if (action === 'delete') closeDetail();
    return refresh();
  }, failed);
}

function start() {
  byId('signin').addEventListener('submit', function (event) {
    // The form never submits: the key must not reach a URL or a request other than the API's Authorization header.
    event.preventDefault();
    var input = byId('key');
    var key = input.value.trim();
    input.value = '';
    if (!key) return;
    keyStore.set(key);
    showSignedIn(true);
    refresh();
  });
  byId('signout').addEventListener('click', function () {
    keyStore.clear();
    closeDetail();
    showSignedIn(false);
    setStatus('Key forgotten.');
  });
  byId('filters').addEventListener('submit', function (event) { event.preventDefault(); refresh(); });
  byId('filter-phase').addEventListener('change', refresh);
  showSignedIn(Boolean(keyStore.get()));
  if (keyStore.get()) refresh();
  setInterval(function () { if (!document.hidden) refresh(); }, REFRESH_MS);
}

start();
`;
