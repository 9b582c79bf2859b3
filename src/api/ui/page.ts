/**
 * The fleet page's HTML: markup only. Its script and stylesheet are separate files served by the same function
 * (`/ui/app.js`, `/ui/app.css`), so the CSP can forbid every inline script and style. The key form has no action
 * and the CSP sets `form-action 'none'`: even with the script broken, the key cannot end up in a URL.
 *
 * @module
 */
import { PHASES } from '../../lifecycle';

const phaseOptions = PHASES.map((phase) => `<option value="${phase}">${phase}</option>`).join('');

export const FLEET_PAGE_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Fleet · worker orchestrator</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<link rel="stylesheet" href="ui/app.css">
<script src="ui/app.js" defer></script>
</head><body>
<header class="top"><h1>Worker fleet</h1>
<a href="docs">API</a>
<button type="button" id="signout" hidden>Forget key</button></header>
<main>
<form id="signin" autocomplete="off">
<label for="key">API key</label>
<input id="key" name="key" type="password" size="48" placeholder="manager or team key" autocomplete="off" spellcheck="false">
<button type="submit">Use key</button>
<span class="muted">Kept for this tab only (sessionStorage), sent as a Bearer header.</span>
</form>
<p id="status" class="status" role="status" aria-live="polite"></p>
<section id="fleet" hidden>
<div class="charts"><div id="phase-chart"></div><div id="latency-chart"></div></div>
<form id="filters">
<label>Phase <select id="filter-phase"><option value="">any</option>${phaseOptions}</select></label>
<label>Team <input id="filter-team" size="14" placeholder="team"></label>
<label>Label <input id="filter-label" size="20" placeholder="key=value"></label>
<button type="submit">Filter</button>
<button type="button" id="refresh" title="Read the workers and the charts now">Refresh now</button>
</form>
<div id="layout" class="layout">
<table><thead><tr><th>Name</th><th>Phase</th><th>Reason</th><th>Last activity</th><th>Next action</th><th>Team</th><th>Labels</th></tr></thead>
<tbody id="workers"></tbody></table>
<aside id="detail" hidden></aside>
</div>
</section>
</main>
</body></html>`;
