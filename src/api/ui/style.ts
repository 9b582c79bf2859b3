/**
 * The fleet page's stylesheet, served as `/ui/app.css` (the CSP allows styles from this origin only, nothing
 * inline). Phase colours match between badges and chart bars.
 *
 * @module
 */
export const FLEET_STYLE = `
:root{--fg:#1d2433;--muted:#667085;--line:#e3e6ee;--bg:#f7f8fb;--accent:#1769aa;--danger:#b3261e}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,sans-serif;margin:0;color:var(--fg);background:var(--bg)}
header.top{display:flex;align-items:center;gap:1rem;padding:.7rem 1.2rem;background:#fff;border-bottom:1px solid var(--line)}
header.top h1{font-size:1.15rem;margin:0;flex:1}
main{padding:1rem 1.2rem;max-width:1280px;margin:0 auto}
form{display:flex;gap:.5rem;align-items:center;flex-wrap:wrap}
input,select,button{font:inherit;padding:.3rem .55rem;border:1px solid #c9cfdb;border-radius:5px;background:#fff;color:inherit}
button{cursor:pointer}button:hover{border-color:var(--accent)}
button.link{border:0;background:none;color:var(--accent);padding:0;text-decoration:underline}
button.danger{background:var(--danger);border-color:var(--danger);color:#fff}
button.danger-outline{color:var(--danger);border-color:var(--danger)}
.status{color:var(--muted);margin:.4rem 0 .8rem;min-height:1.2em}.status.error{color:var(--danger)}
.muted{color:var(--muted)}
.charts{display:flex;gap:1rem;flex-wrap:wrap;margin-bottom:1rem}
.chart{background:#fff;border:1px solid var(--line);border-radius:8px;padding:.5rem .8rem;margin:0;min-width:340px}
.chart figcaption{color:var(--muted);font-size:.85rem}
.chart .value{font-size:10px;fill:var(--fg)}.chart .axis{font-size:9px;fill:var(--muted)}
.bar{fill:var(--accent)}
table{width:100%;border-collapse:collapse;background:#fff;border:1px solid var(--line);border-radius:8px}
th,td{text-align:left;padding:.45rem .6rem;border-bottom:1px solid var(--line);vertical-align:top}
th{font-size:.8rem;text-transform:uppercase;color:var(--muted);letter-spacing:.03em}
tr.selected td{background:#eef5fc}
.chip{display:inline-block;background:#eef0f5;border-radius:10px;padding:0 .5rem;margin:0 .2rem .2rem 0;font-size:.8rem}
.phase{display:inline-block;border-radius:10px;padding:0 .55rem;font-weight:600;font-size:.8rem;color:#fff;background:#8891a5}
.phase-ready{background:#1b7f3b}.phase-starting,.phase-pending,.phase-updating{background:#a35d00}
.phase-sleeping,.phase-stopping{background:#5b6b8c}.phase-failed,.phase-lost{background:var(--danger)}.phase-deleting{background:#444}
.phase-fill-ready{fill:#1b7f3b}.phase-fill-starting,.phase-fill-pending,.phase-fill-updating{fill:#a35d00}
.phase-fill-sleeping,.phase-fill-stopping{fill:#5b6b8c}.phase-fill-failed,.phase-fill-lost{fill:#b3261e}.phase-fill-deleting{fill:#444}
.layout{display:grid;grid-template-columns:minmax(0,1fr);gap:1rem;align-items:start}
td:first-child,td:nth-child(2){white-space:nowrap}
.layout.with-detail{grid-template-columns:minmax(0,3fr) minmax(300px,2fr)}
#detail{background:#fff;border:1px solid var(--line);border-radius:8px;padding:.8rem 1rem}
#detail header{display:flex;justify-content:space-between;align-items:center}#detail h2{margin:0;font-size:1.1rem}
.actions{display:flex;gap:.4rem;flex-wrap:wrap;margin:.6rem 0}
.confirm{display:inline-flex;gap:.4rem;align-items:center;color:var(--danger)}
.fields{display:grid;grid-template-columns:auto 1fr;gap:.15rem .8rem;margin:.5rem 0}.fields dt{color:var(--muted)}.fields dd{margin:0}
.timeline{list-style:none;padding:0;margin:0}.timeline li{padding:.3rem 0;border-bottom:1px dashed var(--line)}
[hidden]{display:none !important}
`;
