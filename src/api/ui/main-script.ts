/**
 * The page's state and loop, as browser JavaScript: sign in with a key, list (with filters), open a worker, act,
 * and refresh while the tab is visible. Errors are shown in the status line; a 401 forgets the key, so a rotated
 * key asks again instead of failing on every refresh.
 *
 * What an open page costs is what it reads: the listing every REFRESH_MS (a few store reads per worker shown),
 * `/metrics` only every METRICS_MS or when asked (it reads up to thousands of objects), nothing while hidden.
 *
 * @module
 */
export const MAIN_SCRIPT = `
var REFRESH_MS = 10000;
var METRICS_MS = 60000;
var state = { workers: [], selected: null, shownDetail: '', busy: false, again: false, againMetrics: false, metricsAt: 0 };

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

/** withMetrics: read /metrics now (sign-in, the Refresh button); else only once METRICS_MS has passed. */
function refresh(withMetrics) {
  if (!keyStore.get()) return Promise.resolve();
  var metricsDue = withMetrics === true || Date.now() - state.metricsAt >= METRICS_MS;
  // One refresh at a time; one asked for meanwhile (a filter changed, an action ended) runs right after it.
  if (state.busy) {
    state.again = true;
    state.againMetrics = state.againMetrics || withMetrics === true;
    return Promise.resolve();
  }
  state.busy = true;
  state.again = false;
  state.againMetrics = false;
  var listing = listFleet(readFilters()).then(function (result) {
    state.workers = result.workers;
    renderTable(state.workers, state.selected, openWorker);
    replaceChildren(byId('phase-chart'), [phaseChart(state.workers)]);
    setStatus(listingSummary(result) + ' · updated ' + new Date().toLocaleTimeString());
  });
  var metrics = metricsDue ? refreshMetrics() : Promise.resolve();
  // The detail reads the fresh listing, so it waits for it.
  return Promise.all([listing.then(refreshDetail), metrics]).then(null, failed).then(function () {
    state.busy = false;
    if (state.again) return refresh(state.againMetrics);
  });
}

function refreshMetrics() {
  state.metricsAt = Date.now();
  // A team key may not read /metrics (403): the chart says so instead of failing the page.
  return Api.metrics().then(null, function (error) {
    if (error.status === 403) return null;
    throw error;
  }).then(function (text) { replaceChildren(byId('latency-chart'), [latencyChart(text)]); });
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
    refresh(true);
  });
  byId('signout').addEventListener('click', function () {
    keyStore.clear();
    closeDetail();
    showSignedIn(false);
    setStatus('Key forgotten.');
  });
  byId('filters').addEventListener('submit', function (event) { event.preventDefault(); refresh(); });
  byId('filter-phase').addEventListener('change', function () { refresh(); });
  byId('refresh').addEventListener('click', function () { refresh(true); });
  showSignedIn(Boolean(keyStore.get()));
  if (keyStore.get()) refresh(true);
  // Nothing is read while the tab is hidden; coming back shows the fleet as it is now.
  setInterval(function () { if (!document.hidden) refresh(); }, REFRESH_MS);
  document.addEventListener('visibilitychange', function () { if (!document.hidden) refresh(); });
}

start();
`;
