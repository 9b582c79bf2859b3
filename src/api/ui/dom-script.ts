/**
 * DOM helpers for the page, as browser JavaScript. Everything the API returns (names, labels, messages) is put in
 * the page as text nodes, never parsed as HTML, so a worker named or labelled like markup stays text.
 *
 * @module
 */
export const DOM_SCRIPT = `
var SVG_NS = 'http://www.w3.org/2000/svg';

/** h('td', { class: 'x' }, ['text', child]): attributes are set with setAttribute, children as text or nodes. */
function h(tag, attrs, children) {
  var el = tag.indexOf('svg:') === 0 ? document.createElementNS(SVG_NS, tag.slice(4)) : document.createElement(tag);
  for (var name in attrs || {}) {
    var value = attrs[name];
    if (value === undefined || value === null || value === false) continue;
    if (name.indexOf('on') === 0) el.addEventListener(name.slice(2), value);
    else el.setAttribute(name, value === true ? '' : String(value));
  }
  (children || []).forEach(function (child) {
    if (child === null || child === undefined) return;
    el.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)));
  });
  return el;
}

function byId(id) { return document.getElementById(id); }

function replaceChildren(el, children) {
  while (el.firstChild) el.removeChild(el.firstChild);
  children.forEach(function (child) { el.appendChild(child); });
}

/** '3 min ago' / 'in 12 min'; the exact time is in the element's title. */
function relative(iso) {
  if (!iso) return '—';
  var seconds = Math.round((Date.parse(iso) - Date.now()) / 1000);
  var abs = Math.abs(seconds);
  if (abs < 2) return 'now';
  var text = abs < 60 ? abs + ' s' : abs < 3600 ? Math.round(abs / 60) + ' min' :
    abs < 172800 ? Math.round(abs / 3600) + ' h' : Math.round(abs / 86400) + ' d';
  return seconds < 0 ? text + ' ago' : 'in ' + text;
}

function timeCell(iso) {
  return h('time', { datetime: iso || undefined, title: iso || undefined }, [relative(iso)]);
}

function phaseBadge(phase) {
  return h('span', { class: 'phase phase-' + phase, 'data-phase': phase }, [phase]);
}

function labelChips(labels) {
  return Object.keys(labels || {}).sort().map(function (key) {
    return h('span', { class: 'chip' }, [key + '=' + labels[key]]);
  });
}
`;
