/**
 * A worker's detail, as browser JavaScript: its fields, its actions and its event timeline (newest first). Delete
 * asks for confirmation in the page itself (a second, explicit click on a red button), so a stray click never
 * deletes a worker.
 *
 * @module
 */
export const DETAIL_SCRIPT = `
var ACTIONS = [
  { action: 'wake', label: 'Wake' },
  { action: 'sleep', label: 'Sleep' },
  { action: 'ensure-ready', label: 'Ensure ready' }
];

function fieldList(worker) {
  var rows = [
    ['phase', phaseBadge(worker.phase)], ['reason', worker.reason], ['desired', worker.desired],
    ['backend', worker.backend], ['image', worker.image], ['team', worker.team || '—'],
    ['created', timeCell(worker.created_at)], ['ready', timeCell(worker.ready_at)],
    ['last heartbeat', timeCell(worker.last_heartbeat_at)], ['last activity', timeCell(worker.last_activity_at)],
    ['idle timeout', worker.idle_timeout_seconds ? worker.idle_timeout_seconds + ' s' : 'never'],
    ['expires', timeCell(worker.expires_at)], ['last error', worker.last_error || '—']
  ];
  return h('dl', { class: 'fields' }, rows.reduce(function (all, row) {
    return all.concat([h('dt', {}, [row[0]]), h('dd', {}, [row[1]])]);
  }, []));
}

function actionBar(worker, onAction) {
  var buttons = ACTIONS.map(function (a) {
    return h('button', { type: 'button', 'data-action': a.action, onclick: function () { onAction(worker.name, a.action); } }, [a.label]);
  });
  var confirmBox = h('span', { class: 'confirm', hidden: true }, [
    'Delete ' + worker.name + ' and its resource? ',
    h('button', { type: 'button', class: 'danger', 'data-action': 'confirm-delete', onclick: function () { onAction(worker.name, 'delete'); } }, ['Delete']),
    h('button', { type: 'button', 'data-action': 'cancel-delete', onclick: function () { confirmBox.hidden = true; } }, ['Cancel'])
  ]);
  buttons.push(h('button', { type: 'button', class: 'danger-outline', 'data-action': 'delete', onclick: function () { confirmBox.hidden = false; } }, ['Delete…']));
  return h('div', { class: 'actions' }, buttons.concat([confirmBox]));
}

function timeline(events) {
  if (!events.length) return h('p', { class: 'muted' }, ['No events yet.']);
  return h('ol', { class: 'timeline', id: 'timeline' }, events.map(function (e) {
    var moved = e.from === e.to ? e.to : e.from + ' → ' + e.to;
    return h('li', { 'data-reason': e.reason, 'data-to': e.to }, [
      h('time', { datetime: e.at, title: e.at }, [new Date(e.at).toLocaleTimeString()]), ' ',
      h('strong', {}, [moved]), ' ', h('span', { class: 'chip' }, [e.reason]), ' ',
      h('span', { class: 'muted' }, ['by ' + e.actor + (e.message ? ': ' + e.message : '')])
    ]);
  }));
}

function renderDetail(worker, events, onAction, onClose) {
  var panel = byId('detail');
  panel.hidden = false;
  byId('layout').classList.add('with-detail');
  replaceChildren(panel, [
    h('header', {}, [
      h('h2', {}, [worker.name]),
      h('button', { type: 'button', class: 'link', onclick: onClose, 'aria-label': 'Close' }, ['Close'])
    ]),
    actionBar(worker, onAction),
    fieldList(worker),
    h('h3', {}, ['Events']),
    timeline(events)
  ]);
}
`;
