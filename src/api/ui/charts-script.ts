/**
 * The two small charts, as browser JavaScript drawing plain SVG (no library, nothing inline that the CSP would
 * have to allow: sizes and colours are SVG attributes and CSS classes). Phase counts come from the workers the key
 * can list; wake latency from `/metrics`, which only a manager key may read.
 *
 * @module
 */
export const CHARTS_SCRIPT = String.raw`
var PHASE_ORDER = ['pending', 'starting', 'ready', 'updating', 'stopping', 'sleeping', 'lost', 'failed', 'deleting'];

/** A vertical bar chart: one bar per entry, its value above, its label below. */
function barChart(title, entries, unit) {
  var width = 320, height = 150, top = 18, bottom = 34;
  var max = Math.max.apply(null, entries.map(function (e) { return e.value; }).concat([1]));
  var slot = width / Math.max(entries.length, 1);
  var bars = [];
  entries.forEach(function (entry, i) {
    var barHeight = Math.round(((height - top - bottom) * entry.value) / max);
    var x = Math.round(i * slot + slot * 0.15);
    var y = height - bottom - barHeight;
    bars.push(h('svg:rect', { x: x, y: y, width: Math.round(slot * 0.7), height: barHeight, class: entry.cls || 'bar' }, [
      h('svg:title', {}, [entry.label + ': ' + entry.value + (unit || '')])
    ]));
    bars.push(h('svg:text', { x: x + slot * 0.35, y: y - 4, 'text-anchor': 'middle', class: 'value' }, [String(entry.value)]));
    bars.push(h('svg:text', { x: x + slot * 0.35, y: height - bottom + 14, 'text-anchor': 'middle', class: 'axis' }, [entry.label]));
  });
  return h('figure', { class: 'chart' }, [
    h('svg:svg', { viewBox: '0 0 ' + width + ' ' + height, width: width, height: height, role: 'img', 'aria-label': title }, bars),
    h('figcaption', {}, [title])
  ]);
}

function phaseChart(workers) {
  var counts = {};
  workers.forEach(function (w) { counts[w.phase] = (counts[w.phase] || 0) + 1; });
  var entries = PHASE_ORDER.filter(function (p) { return counts[p] || ['ready', 'sleeping'].indexOf(p) >= 0; })
    .map(function (p) { return { label: p, value: counts[p] || 0, cls: 'bar phase-fill-' + p }; });
  return barChart('Workers by phase (' + workers.length + ' listed)', entries);
}

/** Per-bucket counts of a Prometheus histogram (its buckets are cumulative). */
function histogramBuckets(text, name) {
  var re = new RegExp('^' + name + '_bucket\\{le="([^"]+)"\\} (\\d+)$', 'gm');
  var rows = [], match, previous = 0;
  while ((match = re.exec(text))) {
    var count = Number(match[2]);
    rows.push({ le: match[1], value: count - previous });
    previous = count;
  }
  return rows;
}

function latencyChart(metricsText) {
  if (metricsText === null) {
    return h('figure', { class: 'chart muted' }, [h('p', {}, ['Wake latency needs a manager key (it reads /metrics).'])]);
  }
  var rows = histogramBuckets(metricsText, 'orchestrator_wake_to_ready_seconds');
  var entries = rows.map(function (row, i) {
    return { label: row.le === '+Inf' ? '>' + (rows[i - 1] ? rows[i - 1].le : '0') : '≤' + row.le, value: row.value };
  });
  var total = rows.reduce(function (sum, row) { return sum + row.value; }, 0);
  return barChart('Wake → ready, seconds (' + total + ' wakes)', entries);
}
`;
