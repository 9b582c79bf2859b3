/**
 * The fleet table, as browser JavaScript: one row per worker with its phase, reason, last activity, next action
 * and labels. The name is a button that opens the worker's detail (no link: a URL would carry nothing useful and
 * must never carry the key).
 *
 * @module
 */
export const TABLE_SCRIPT = `
function nextActionText(worker) {
  var next = worker.next_action;
  var parts = [];
  if (next) parts.push(h('span', {}, [next.kind.replace(/_/g, ' ') + ' ', timeCell(next.at)]));
  // The hard lifetime is shown too when the next action is something else: both are deadlines.
  if (worker.expires_at && (!next || next.at !== worker.expires_at)) {
    parts.push(h('span', { class: 'muted' }, [' expires ', timeCell(worker.expires_at)]));
  }
  return parts.length ? parts : ['—'];
}

function workerRow(worker, selected, onOpen) {
  return h('tr', { 'data-worker': worker.name, class: worker.name === selected ? 'selected' : null }, [
    h('td', {}, [h('button', { type: 'button', class: 'link', onclick: function () { onOpen(worker.name); } }, [worker.name])]),
    h('td', {}, [phaseBadge(worker.phase)]),
    h('td', { class: 'reason' }, [worker.reason]),
    h('td', {}, [timeCell(worker.last_activity_at)]),
    h('td', {}, nextActionText(worker)),
    h('td', {}, [worker.team || '—']),
    h('td', { class: 'labels' }, labelChips(worker.labels))
  ]);
}

function renderTable(workers, selected, onOpen) {
  var body = byId('workers');
  if (!workers.length) {
    replaceChildren(body, [h('tr', {}, [h('td', { colspan: 7, class: 'muted' }, ['No workers match.'])])]);
    return;
  }
  replaceChildren(body, workers.map(function (w) { return workerRow(w, selected, onOpen); }));
}

/** The filters as the list route takes them; label is one key=value pair. */
function readFilters() {
  return {
    phase: byId('filter-phase').value,
    team: byId('filter-team').value.trim(),
    label: byId('filter-label').value.trim()
  };
}
`;
